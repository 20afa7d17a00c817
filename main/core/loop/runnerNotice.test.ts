// The end notice is never lost to a runner SIGKILLed around its final state write: the real detached
// runner (`workcell loop`) kills itself at a test-only point (killPoint.ts), and what it leaves on disk
// is checked. The notice goes to disk before the final state; a re-post after a resume rewrites the
// same file (the daemon's ledger dedupes the id: loopNotify.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrdRepo } from '../testing/fixture.js';
import { LoopFiles } from './loopState.js';
import { noticesDir, type RunnerNotice } from './runnerNotice.js';
import { fakeAgentArgv, useRunnerHarness } from './testing/runnerHarness.js';

const h = useRunnerHarness('wck-');

const notices = (): RunnerNotice[] => {
  let files: string[];
  try {
    files = readdirSync(noticesDir(h.home.dir));
  } catch {
    return []; // ENOENT: nothing was ever posted
  }
  return files.map((f) => JSON.parse(readFileSync(join(noticesDir(h.home.dir), f), 'utf8')) as RunnerNotice);
};

/** Runs loop `kn` on a one-item PRD with the runner set to SIGKILL itself at `point`; resolves once
 * that runner is dead. */
async function runUntilKilled(point: string): Promise<LoopFiles> {
  const repo = makePrdRepo(h.home.dir.root, ['one']);
  Object.assign(h.home.env, { WORKCELL_TEST_SIGKILL_AT: point });
  const r = await h.cli([
    'loop',
    'kn',
    '--repo',
    repo,
    '--agent',
    'command',
    '--prd',
    'PRD.md',
    '--',
    ...fakeAgentArgv('--work', 'w.txt', '--tick'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  h.runnerPid('loop', 'kn');
  await h.runnerGone('loop', 'kn', 90_000);
  delete h.home.env.WORKCELL_TEST_SIGKILL_AT;
  return new LoopFiles(h.home.dir, 'kn');
}

test('a runner SIGKILLed right after its final state write has already posted its end notice', async () => {
  const files = await runUntilKilled('final-state');
  const s = (await files.readState())!;
  assert.equal(s.status, 'done', s.statusReason ?? '');
  // No "kn done" line in runner.log: it died before it could log its end.
  assert.doesNotMatch(readFileSync(files.log, 'utf8'), /loop kn done/);
  assert.deepEqual(
    notices().map((n) => [n.id, n.reason, n.state]),
    [['loop:kn:done:1', 'loop_done', 'done']],
  );
});

test('a runner SIGKILLed between its notice and its final state re-posts the same notice on resume', async () => {
  const files = await runUntilKilled('notice-posted');
  assert.equal((await files.readState())!.status, 'running', 'killed before the final state');
  assert.deepEqual(
    notices().map((n) => n.id),
    ['loop:kn:done:1'],
  );
  const r = await h.cli(['loop', 'kn', '--resume']);
  assert.equal(r.code, 0, r.stderr);
  h.runnerPid('loop', 'kn');
  await h.runnerGone('loop', 'kn', 90_000);
  const s = (await files.readState())!;
  assert.equal(s.status, 'done', s.statusReason ?? '');
  assert.equal(s.iteration, 1, 'the resume ran nothing again');
  // The same event, the same key: one file, not two (the daemon would hand it on once).
  assert.deepEqual(
    notices().map((n) => n.id),
    ['loop:kn:done:1'],
  );
});
