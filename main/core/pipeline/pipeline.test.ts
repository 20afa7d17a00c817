// `workcell pipeline` as a user runs it, with fake agents on real tmux and real git: a stage that
// fails verify fails the pipeline (and the user is told through a real command notifier); a plain
// second run refuses; --resume keeps the succeeded stages and runs the rest; a later --resume reruns
// only the stage whose input file changed; a bad file's error names its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrdRepo, waitFor } from '../testing/fixture.js';
import { LoopFiles } from '../loop/loopState.js';
import { fakeAgentArgv, useRunnerHarness } from '../loop/testing/runnerHarness.js';
import { PipelineFiles, type PipelineState } from './pipelineState.js';

const h = useRunnerHarness('wcp-');
const cli = h.cli;
const stateOf = (name: string) => new PipelineFiles(h.home.dir, name).readState();
/** Waits for the runner to end (its lock gone) and returns the state it left. */
async function settled(name: string): Promise<PipelineState> {
  await h.runnerGone('pipeline', name);
  return (await stateOf(name))!;
}
const summary = (s: PipelineState) => s.stages.map((st) => `${st.name}:${st.status}:${st.runs}`);

const agent = (...flags: string[]) => JSON.stringify(fakeAgentArgv(...flags));

test('a pipeline fails at a stage, refuses a plain rerun, and is resumed twice without redoing finished stages', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['unused']);
  const gate = join(h.home.dir.root, 'gate');
  const told = join(h.home.dir.root, 'told.txt');
  // The daemon on, as for a user: the runner posts its notices and the daemon's dispatcher sends them.
  Object.assign(h.home.env, { WORKCELL_DAEMON: 'on', WORKCELL_DAEMON_IDLE_EXIT_MS: '3000' });
  writeFileSync(
    h.home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on: ['done', 'failed'],
          argv: [
            process.execPath,
            '-e',
            // The full text: the stage workcells' own failures are told too, and a change within a
            // second of a send can be folded into one digest (its text lists each).
            "require('fs').appendFileSync(process.argv[1], process.env.WORKCELL_TEXT + '\\n')",
            told,
          ],
        },
      ],
    }),
  );
  const file = join(h.home.dir.root, 'feature.yaml');
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
  assert.ok(existsSync(new PipelineFiles(h.home.dir, 'feature').definition), 'the definition is frozen');
  assert.match(readFileSync(new PipelineFiles(h.home.dir, 'feature').handoff('plan'), 'utf8'), /two steps/);
  // The impl brief carried the plan's output and handoff.
  const implLoop = JSON.parse(
    readFileSync(join(h.home.dir.root, 'loops', 'feature-impl', 'state.json'), 'utf8'),
  );
  assert.match(implLoop.context, /## Input: PLAN.md \(from stage plan\)\n\nplan: write the plan/);
  assert.match(implLoop.context, /## Input: the handoff of stage plan\n\nplan says: two steps/);
  await waitFor(
    () => existsSync(told) && readFileSync(told, 'utf8').includes('feature pipeline failed'),
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
    () => readFileSync(told, 'utf8').includes('feature pipeline finished'),
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
  const events = readFileSync(new PipelineFiles(h.home.dir, 'feature').events, 'utf8');
  assert.equal(events.match(/"stage_rerun","stage":"impl"/g)?.length, 1);

  const status = await cli(['pipeline', 'status', 'feature']);
  assert.match(status.stdout, /pipeline feature: done/);
  assert.match(status.stdout, /impl +succeeded iterations +1 +\d+ s +runs 3 +loop feature-impl-r3/);
});

test('a stage whose agent ticks its box without changing anything is never reported complete', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['unused']);
  const file = join(h.home.dir.root, 'lazy.yaml');
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
  const file = join(h.home.dir.root, 'bad.yaml');
  writeFileSync(file, 'stages:\n  - name: a\n    agent: claude\n    command: [x]\n    objective: o\n');
  const r = await cli(['pipeline', 'run', file]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /bad\.yaml:4:14: a stage takes agent or command, not both/);
  assert.equal(await stateOf('bad'), null);
});

/** Resolves once workcell NAME's status.json says running. */
function workcellRunning(name: string): Promise<boolean> {
  const st = join(h.home.dir.runDir(name), 'status.json');
  return waitFor(
    () => existsSync(st) && /"state": "running"/.test(readFileSync(st, 'utf8')),
    60_000,
    `${name} to run`,
  );
}

test('a runner SIGKILLed mid-stage: --resume keeps the finished stage and adopts the interrupted one (never redone, never skipped)', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['unused']);
  const file = join(h.home.dir.root, 'kp.yaml');
  writeFileSync(
    file,
    [
      `repo: ${JSON.stringify(repo)}`,
      'stages:',
      '  - name: plan',
      `    command: ${agent('--work', 'PLAN.md', '--tick')}`,
      '    objective: write the plan',
      '    outputs: [PLAN.md]',
      '  - name: impl',
      // Sleeps first: the runner is killed while this agent is still working.
      `    command: ${agent('--sleep', '3000', '--work', 'impl.txt', '--note', 'impl notes', '--tick')}`,
      '    objective: implement it',
      '    needs: [plan]',
      '    inputs: ["plan:PLAN.md"]',
      '    verify: test -s impl.txt',
      '  - name: review',
      `    command: ${agent('--work', 'review.txt', '--tick')}`,
      '    objective: review it',
      '    needs: [impl]',
      '    inputs: [impl]',
      '',
    ].join('\n'),
  );
  assert.equal((await cli(['pipeline', 'run', file])).code, 0);
  const pid = await waitFor(() => h.runnerPid('pipeline', 'kp'), 10_000, 'the runner');
  await workcellRunning('kp-impl-1');
  process.kill(pid, 'SIGKILL');
  await h.runnerGone('pipeline', 'kp', 10_000);
  const mid = (await stateOf('kp'))!;
  assert.deepEqual(summary(mid), ['plan:succeeded:1', 'impl:running:1', 'review:pending:0']);

  assert.equal((await cli(['pipeline', 'run', '--resume', '--name', 'kp'])).code, 0);
  let s = await settled('kp');
  assert.equal(s.status, 'done', s.statusReason ?? '');
  assert.deepEqual(summary(s), ['plan:succeeded:1', 'impl:succeeded:1', 'review:succeeded:1']);
  const impl = (await new LoopFiles(h.home.dir, 'kp-impl').readState())!;
  assert.deepEqual(
    impl.iterations.map((i) => [i.workcell, i.outcome]),
    [['kp-impl-1', 'succeeded']],
    'the iteration in flight was adopted, not started again',
  );
  assert.equal(readFileSync(join(repo, 'impl.txt'), 'utf8').split('\n').filter(Boolean).length, 1);
  const events = () => readFileSync(new PipelineFiles(h.home.dir, 'kp').events, 'utf8');
  assert.match(events(), /"stage_kept","stage":"plan"/);
  assert.match(events(), /"stage_started","stage":"impl","loop":"kp-impl","adopted":true,"run":1/);

  // The narrower window: the runner died after impl's loop ended but before the stage's verdict was
  // written. The resume judges that loop as it ended; it does not run impl a second time.
  s.status = 'failed';
  Object.assign(s.stages[1]!, { status: 'running', endedAt: null, reason: null });
  writeFileSync(new PipelineFiles(h.home.dir, 'kp').state, JSON.stringify(s));
  assert.equal((await cli(['pipeline', 'run', '--resume', '--name', 'kp'])).code, 0);
  s = await settled('kp');
  assert.equal(s.status, 'done', s.statusReason ?? '');
  assert.deepEqual(summary(s), ['plan:succeeded:1', 'impl:succeeded:1', 'review:succeeded:1']);
  assert.match(events(), /"stage_adopted","stage":"impl","loop":"kp-impl","loopStatus":"done"/);
  assert.match(readFileSync(new PipelineFiles(h.home.dir, 'kp').handoff('impl'), 'utf8'), /impl notes/);
  assert.equal(readFileSync(join(repo, 'impl.txt'), 'utf8').split('\n').filter(Boolean).length, 1);
});

test('pipeline stop: the running stage is killed and recorded stopped, no later stage starts', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['unused']);
  const file = join(h.home.dir.root, 'stp.yaml');
  writeFileSync(
    file,
    [
      `repo: ${JSON.stringify(repo)}`,
      'stages:',
      '  - name: one',
      `    command: ${agent('--sleep', '60000', '--work', 'one.txt', '--tick')}`,
      '    objective: a long stage',
      '  - name: two',
      `    command: ${agent('--work', 'two.txt', '--tick')}`,
      '    objective: never reached',
      '',
    ].join('\n'),
  );
  assert.equal((await cli(['pipeline', 'run', file])).code, 0);
  await waitFor(() => h.runnerPid('pipeline', 'stp'), 10_000, 'the runner');
  await workcellRunning('stp-one-1');
  const stop = await cli(['pipeline', 'stop', 'stp']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /asked pipeline stp to stop \(stage one is killed\)/);
  const s = await settled('stp');
  assert.equal(s.status, 'stopped', s.statusReason ?? '');
  assert.deepEqual(summary(s), ['one:stopped:1', 'two:pending:0']);
  assert.equal((await h.engine.store.readStatus('stp-one-1'))?.state, 'killed');
  assert.equal(await h.engine.store.readStatus('stp-two-1'), null, 'stage two never started');
  assert.match((await cli(['pipeline', 'stop', 'stp'])).stdout, /pipeline stp is not running \(stopped\)/);
  assert.notEqual((await cli(['pipeline', 'stop', 'nope'])).code, 0);
});
