// Resume confirmation when neither a hook nor transcript growth says anything (a vendor without
// hooks, a quiet resume), and SUPERVISOR.md setup commands before a new pass: real tmux, the fake
// vendors of testing/fakeVendor.ts with FAKE_QUIET_RESUME (a resume fires no hook, writes nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../testing/fixture.js';
import { rig, screenHas, type Rig } from '../testing/continuityRig.js';

/** Starts `name`, waits for its first screen, ends it and waits for the finisher to be done. */
async function startAndEnd(r: Rig, name: string, agent: string): Promise<void> {
  const s = await r.run([
    'start',
    name,
    '--repo',
    r.repo,
    '--agent',
    agent,
    '--objective',
    'Paint the fence blue',
  ]);
  assert.equal(s.code, 0, s.stderr);
  await screenHas(r, name, /source startup/);
  r.send(name, 'exit');
  await waitFor(async () => (await r.status(name)).state === 'done', 10_000, `${name} done`);
  await waitFor(
    async () => {
      const st = await r.engine.status(name);
      return st.ok && st.value.pane?.dead !== false;
    },
    15_000,
    `${name}'s finisher to end`,
  );
}

test('screen: a quiet resume is confirmed by the earlier turns on screen; a blank screen stays unconfirmed', async () => {
  const r = await rig({ FAKE_QUIET_RESUME: '1' });
  try {
    await startAndEnd(r, 'shown', 'gemini');
    const res = await r.run(['resume', 'shown', '--confirm-timeout', '10']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /resume of vendor session/);
    assert.match(
      res.stdout,
      /check: confirmed: the resumed conversation is on screen \("# Workcell shown"\)/,
    );
    const rec = JSON.parse(readFileSync(join(r.home.dir.runDir('shown'), 'resume.json'), 'utf8')) as {
      screenMarks: string[];
    };
    assert.deepEqual(rec.screenMarks.slice(0, 2), ['# Workcell shown', '## Objective']);

    // opencode's fake redraws nothing: no hook, no growth, nothing on screen -> not confirmed.
    await startAndEnd(r, 'blank', 'opencode');
    // (its id, which opencode does not take up front, is captured from its store by the resume)
    const blank = await r.run(['resume', 'blank', '--confirm-timeout', '2']);
    assert.equal(blank.code, 0, blank.stderr);
    assert.match(blank.stdout, /resume of vendor session /);
    assert.match(
      blank.stdout,
      /check: unconfirmed: no SessionStart, no new transcript lines, no dialog and no earlier turn on screen/,
    );
  } finally {
    await r.done();
  }
});

test('screen: a resume that opens the resume-from-summary dialog is waiting, not running', async () => {
  const r = await rig({ FAKE_QUIET_RESUME: '1', FAKE_DIALOG: 'resume' });
  try {
    await startAndEnd(r, 'dlg', 'gemini');
    const res = await r.run(['resume', 'dlg', '--confirm-timeout', '10']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /check: waiting: a dialog blocks the resume: Resume from summary/);
    const st = await r.status('dlg');
    assert.equal(st.state, 'waiting');
    assert.match(st.evidence?.detail ?? '', /resume stopped at a dialog/);
  } finally {
    await r.done();
  }
});

test('SUPERVISOR.md setup commands run before the next pass, output in setup-<pass>.log; a failure starts nothing and says why', async () => {
  const r = await rig();
  try {
    await startAndEnd(r, 'prep', 'gemini');
    const rules = (cmds: string) => `## Setup\n\`\`\`sh\n${cmds}\n\`\`\`\n`;
    writeFileSync(join(r.repo, 'SUPERVISOR.md'), rules('echo preparing "$PWD"\ntouch setup-ran.txt'));
    const ok = await r.run(['resume', 'prep', '--no-confirm']);
    assert.equal(ok.code, 0, ok.stderr);
    const log = readFileSync(join(r.home.dir.runDir('prep'), 'setup-2.log'), 'utf8');
    assert.match(
      log,
      new RegExp(
        `^\\$ echo preparing "\\$PWD"\\npreparing ${r.repo}\\n# exit 0\\n\\$ touch setup-ran.txt\\n# exit 0\\n$`,
      ),
    );
    assert.ok(existsSync(join(r.repo, 'setup-ran.txt')), 'ran in the repo');
    assert.equal((await r.status('prep')).pass, 2);

    // Pass 2 ends; the next setup fails at its second command: no pass 3, the error names it.
    r.send('prep', 'exit');
    await waitFor(async () => (await r.status('prep')).state === 'done', 10_000, 'pass 2 done');
    writeFileSync(
      join(r.repo, 'SUPERVISOR.md'),
      rules('echo first\necho broken >&2; exit 3\ntouch never.txt'),
    );
    const bad = await waitFor(
      async () => {
        const x = await r.run(['resume', 'prep', '--no-confirm']);
        return /still finishing/.test(x.stderr) ? null : x;
      },
      15_000,
      'resume once the finisher is done',
    );
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /SUPERVISOR\.md setup command 2 of 3 \(`echo broken >&2; exit 3`\) exited 3: its output is in .*setup-3\.log/,
    );
    assert.match(readFileSync(join(r.home.dir.runDir('prep'), 'setup-3.log'), 'utf8'), /broken\n# exit 3\n$/);
    assert.ok(!existsSync(join(r.repo, 'never.txt')), 'stops at the first failure');
    const st = await r.status('prep');
    assert.deepEqual([st.pass, st.state], [2, 'done'], 'the workcell stays as it was');
    const events = readFileSync(join(r.home.dir.runDir('prep'), 'events.jsonl'), 'utf8');
    assert.match(events, /"type":"setup-failed"/);
  } finally {
    await r.done();
  }
});
