// `workcell pipeline` as a user runs it, with fake agents on real tmux and real git: a stage that
// fails verify fails the pipeline (and the user is told through a real command notifier); a plain
// second run refuses; --resume keeps the succeeded stages and runs the rest; a later --resume reruns
// only the stage whose input file changed; a bad file's error names its line.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLI,
  FAKE_LOOP_AGENT,
  leakedProcesses,
  makeHome,
  makePrdRepo,
  waitFor,
  type TestHome,
} from '../testing/fixture.js';
import { ownerAlive, readOwner } from '../loop/ownerLock.js';
import { PipelineFiles, type PipelineState } from './pipelineState.js';

let home: TestHome;
const runners = new Set<number>();

beforeEach(() => {
  home = makeHome('wcp-');
});
afterEach(async () => {
  for (const pid of runners) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ESRCH: it finished on its own
    }
  }
  runners.clear();
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: home.env }, (e, stdout, stderr) =>
      done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const stateOf = (name: string) => new PipelineFiles(home.dir, name).readState();
/** Waits for the runner to end (its lock gone) and returns the state it left. */
async function settled(name: string): Promise<PipelineState> {
  await waitFor(
    () => {
      const r = readOwner(home.dir, 'pipeline', name);
      if (r && ownerAlive(r)) runners.add(r.pid);
      return !r || !ownerAlive(r);
    },
    120_000,
    `pipeline ${name} to end`,
  );
  return (await stateOf(name))!;
}
const summary = (s: PipelineState) => s.stages.map((st) => `${st.name}:${st.status}:${st.runs}`);

const agent = (...flags: string[]) => JSON.stringify([process.execPath, FAKE_LOOP_AGENT, ...flags]);

test('a pipeline fails at a stage, refuses a plain rerun, and is resumed twice without redoing finished stages', async () => {
  const repo = makePrdRepo(home.dir.root, ['unused']);
  const gate = join(home.dir.root, 'gate');
  const told = join(home.dir.root, 'told.txt');
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on: ['done', 'failed'],
          argv: [
            process.execPath,
            '-e',
            "require('fs').appendFileSync(process.argv[1], [process.env.WORKCELL_STATE, process.env.WORKCELL_REASON, process.env.WORKCELL_TITLE].join('|') + '\\n')",
            told,
          ],
        },
      ],
    }),
  );
  const file = join(home.dir.root, 'feature.yaml');
  writeFileSync(
    file,
    [
      `repo: ${JSON.stringify(repo)}`,
      'stages:',
      '  - name: plan',
      `    command: ${agent('--work', 'PLAN.md', '--note', 'plan says: two steps', '--tick')}`,
      '    objective: write the plan in PLAN.md',
      '    outputs: [PLAN.md]',
      '    verify: test -s PLAN.md',
      '  - name: impl',
      `    command: ${agent('--work', 'impl.txt', '--tick')}`,
      '    objective: implement PLAN.md',
      '    needs: [plan]',
      '    inputs: ["plan:PLAN.md", plan]',
      `    verify: test -f ${JSON.stringify(gate)}`,
      '    max: 1',
      '  - name: review',
      `    command: ${agent('--work', 'review.txt', '--tick')}`,
      '    objective: review the implementation',
      '    needs: [impl]',
      '    inputs: [impl]',
      '',
    ].join('\n'),
  );

  const first = await cli(['pipeline', 'run', file]);
  assert.equal(first.code, 0, first.stderr);
  let s = await settled('feature');
  assert.equal(s.status, 'failed');
  assert.deepEqual(summary(s), ['plan:succeeded:1', 'impl:failed:1', 'review:pending:0']);
  assert.match(s.stages[1]!.reason!, /verify/);
  assert.ok(existsSync(new PipelineFiles(home.dir, 'feature').definition), 'the definition is frozen');
  assert.match(readFileSync(new PipelineFiles(home.dir, 'feature').handoff('plan'), 'utf8'), /two steps/);
  // The impl brief carried the plan's output and handoff.
  const implLoop = JSON.parse(
    readFileSync(join(home.dir.root, 'loops', 'feature-impl', 'state.json'), 'utf8'),
  );
  assert.match(implLoop.context, /## Input: PLAN.md \(from stage plan\)\n\nplan: write the plan/);
  assert.match(implLoop.context, /## Input: the handoff of stage plan\n\nplan says: two steps/);
  await waitFor(
    () => existsSync(told) && readFileSync(told, 'utf8').includes('pipeline_failed'),
    15_000,
    'the failure notice',
  );

  const again = await cli(['pipeline', 'run', file]);
  assert.notEqual(again.code, 0);
  assert.match(
    again.stderr,
    /already ran \(failed\): continue it with `workcell pipeline run --resume --name feature`/,
  );

  writeFileSync(gate, '');
  const r1 = await cli(['pipeline', 'run', '--resume', '--name', 'feature']);
  assert.equal(r1.code, 0, r1.stderr);
  s = await settled('feature');
  assert.equal(s.status, 'done', s.statusReason ?? '');
  assert.deepEqual(summary(s), ['plan:succeeded:1', 'impl:succeeded:2', 'review:succeeded:1']);
  await waitFor(
    () => readFileSync(told, 'utf8').includes('done|pipeline_done|pipeline feature finished'),
    15_000,
    'the finish notice',
  );

  // Nothing changed: nothing reruns.
  const r2 = await cli(['pipeline', 'run', '--resume', '--name', 'feature']);
  assert.equal(r2.code, 0, r2.stderr);
  s = await settled('feature');
  assert.deepEqual(summary(s), ['plan:succeeded:1', 'impl:succeeded:2', 'review:succeeded:1']);

  // The user edits the plan: impl (which takes PLAN.md) reruns; review takes impl's handoff, which
  // is the same (impl leaves no notes), so it is kept.
  writeFileSync(join(repo, 'PLAN.md'), 'a different plan\n');
  const r3 = await cli(['pipeline', 'run', file, '--resume']);
  assert.equal(r3.code, 0, r3.stderr);
  s = await settled('feature');
  assert.equal(s.status, 'done');
  assert.deepEqual(summary(s), ['plan:succeeded:1', 'impl:succeeded:3', 'review:succeeded:1']);
  const events = readFileSync(new PipelineFiles(home.dir, 'feature').events, 'utf8');
  assert.equal(events.match(/"stage_rerun","stage":"impl"/g)?.length, 1);

  const status = await cli(['pipeline', 'status', 'feature']);
  assert.match(status.stdout, /pipeline feature: done/);
  assert.match(status.stdout, /impl +succeeded iterations +1 +\d+ s +runs 3 +loop feature-impl-r3/);
});

test('a stage whose agent ticks its box without changing anything is never reported complete', async () => {
  const repo = makePrdRepo(home.dir.root, ['unused']);
  const file = join(home.dir.root, 'lazy.yaml');
  writeFileSync(
    file,
    `repo: ${JSON.stringify(repo)}\nstages:\n  - name: only\n    command: ${agent('--tick')}\n    objective: do something\n    max: 2\n`,
  );
  assert.equal((await cli(['pipeline', 'run', file])).code, 0);
  const s = await settled('lazy');
  assert.equal(s.status, 'failed');
  assert.deepEqual(summary(s), ['only:failed:1']);
  assert.match(s.stages[0]!.reason!, /no_output/);
});

test('a bad definition is refused with its line, and nothing is created', async () => {
  const file = join(home.dir.root, 'bad.yaml');
  writeFileSync(file, 'stages:\n  - name: a\n    agent: claude\n    command: [x]\n    objective: o\n');
  const r = await cli(['pipeline', 'run', file]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /bad\.yaml:4:14: a stage takes agent or command, not both/);
  assert.equal(await stateOf('bad'), null);
});
