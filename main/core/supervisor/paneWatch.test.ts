// PaneWatch with a scripted tmux (the Executor seam): stall thresholds, and no false `stalled` after
// the machine slept (the clock jumped; thresholds restart at wake).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellSummary } from '../../common/workcell.js';
import { Tmux, type Executor } from '../tmux.js';
import { PaneWatch } from './paneWatch.js';
import { LOG_CLAIM_MS } from '../detect/detect.js';

const STALL_MS = 10 * 60_000;
const T0 = Date.parse('2026-11-21T10:00:00Z');

function setup() {
  let captures = 0;
  const exec: Executor = async (_f, args) => {
    if (args.includes('capture-pane')) captures += 1;
    return { stdout: 'Building the project\n$ npm run build\n', stderr: '', code: 0 };
  };
  const watch = new PaneWatch(
    new Tmux('/nonexistent.sock', '/dev/null', exec),
    '/nonexistent-patterns',
    () => STALL_MS,
    () => {},
  );
  const w: WorkcellSummary = {
    name: 'w',
    state: 'running',
    agent: 'command',
    repo: '/r',
    pass: 1,
    startedAt: new Date(T0).toISOString(),
    endedAt: null,
    exitCode: null,
    signal: null,
    verify: { ran: false, exitCode: null, at: null },
    verified: null,
    runDir: '/nonexistent-run',
    lastLine: '',
    reason: null,
    resetAt: null,
    evidence: null,
    muted: false,
    pane: { pid: 1, dead: false, width: 80, height: 24, title: '', activity: T0 / 1000 },
  };
  return { watch, w, captures: () => captures };
}

test('no output and no progress past the threshold: stalled, with the age as evidence', async () => {
  const { watch, w } = setup();
  assert.equal((await watch.look(w, T0, false)).state, 'running');
  const later = await watch.look(w, T0 + STALL_MS + 60_000, false);
  assert.equal(later.state, 'stalled');
  assert.match(later.detection?.evidence.detail ?? '', /\d+m/);
});

test('after a sleep the threshold restarts at wake: no false stalled', async () => {
  const { watch, w } = setup();
  await watch.look(w, T0, false);
  // The laptop slept for an hour; the supervisor noticed the clock jump at wake.
  const wake = T0 + 60 * 60_000;
  watch.wokeAt = wake;
  assert.equal((await watch.look(w, wake + 1_000, false)).state, 'running');
  assert.equal((await watch.look(w, wake + STALL_MS + 1_000, false)).state, 'stalled');
});

test('an unchanged pane is looked at once more after its last second of output, then not again', async () => {
  const { watch, w, captures } = setup();
  await watch.look(w, T0, false);
  assert.equal(captures(), 1);
  // window_activity has 1 s resolution: one recheck once that second and the settle time passed.
  await watch.look(w, T0 + 5_000, false);
  assert.equal(captures(), 2);
  await watch.look(w, T0 + 6_000, false);
  await watch.look(w, T0 + 20_000, false);
  assert.equal(captures(), 2);
  await watch.look({ ...w, pane: { ...w.pane!, activity: T0 / 1000 + 30 } }, T0 + 30_000, false);
  assert.equal(captures(), 3);
});

test('codex: an approval request in its transcript is waiting, with the transcript as evidence', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const home = mkdtempSync(join(tmpdir(), 'wc-pwt-'));
  try {
    const d = new Date();
    const p = (n: number) => String(n).padStart(2, '0');
    const day = join(
      home,
      '.codex',
      'sessions',
      String(d.getFullYear()),
      p(d.getMonth() + 1),
      p(d.getDate()),
    );
    mkdirSync(day, { recursive: true });
    const line = (o: object) => JSON.stringify({ timestamp: new Date().toISOString(), ...o });
    writeFileSync(
      join(day, 'rollout-x.jsonl'),
      [
        line({ type: 'session_meta', payload: { id: 'x', cwd: '/r' } }),
        line({ type: 'event_msg', payload: { type: 'task_started' } }),
        line({ type: 'event_msg', payload: { type: 'exec_approval_request', command: ['make'] } }),
        '',
      ].join('\n'),
    );
    const exec: Executor = async () => ({ stdout: '› working\n', stderr: '', code: 0 });
    const watch = new PaneWatch(
      new Tmux('/x.sock', '/dev/null', exec),
      '/nonexistent',
      () => STALL_MS,
      () => {},
      home,
    );
    const { w } = setup();
    const look = await watch.look(
      { ...w, agent: 'codex', startedAt: new Date(Date.now() - 5_000).toISOString() },
      Date.now(),
      false,
    );
    assert.equal(look.state, 'waiting');
    assert.equal(look.detection?.evidence.source, 'transcript');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('idleSeconds: a prompt on screen while working counts as idle only after that much quiet', async () => {
  const IDLE_MS = 30_000;
  const exec: Executor = async () => ({ stdout: 'Edited 3 files\n❯ \n', stderr: '', code: 0 });
  const watch = new PaneWatch(
    new Tmux('/x.sock', '/dev/null', exec),
    '/nonexistent',
    () => STALL_MS,
    () => {},
    undefined,
    undefined,
    () => IDLE_MS,
  );
  const { w } = setup();
  const claude: WorkcellSummary = { ...w, agent: 'claude', pane: { ...w.pane!, title: '✳ Claude Code' } };
  // Quiet for 5 s: a pause between tool calls, still working; a look is due when the 30 s are up.
  const early = await watch.look(claude, T0 + 5_000, false);
  assert.equal(early.state, 'running');
  assert.equal(watch.nextDue(T0 + 5_000), T0 + IDLE_MS);
  const later = await watch.look(claude, T0 + IDLE_MS, false);
  assert.equal(later.state, 'idle');
  assert.equal(later.detection?.evidence.source, 'title');
  // A workcell that was waiting (its question answered, back at the prompt) is idle at once.
  const fresh = new PaneWatch(
    new Tmux('/x.sock', '/dev/null', exec),
    '/nonexistent',
    () => STALL_MS,
    () => {},
    undefined,
    undefined,
    () => IDLE_MS,
  );
  assert.equal((await fresh.look({ ...claude, state: 'waiting' }, T0 + 1_000, false)).state, 'idle');
});

test('codex: a turn that ended on its usage limit (task_complete error) is rate_limited from the transcript', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync, utimesSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const home = mkdtempSync(join(tmpdir(), 'wc-pwt-'));
  try {
    // The rollout lives under the day the run started; the clock is injected (T0), not today's.
    const start = new Date(T0);
    const p = (n: number) => String(n).padStart(2, '0');
    const day = join(
      home,
      '.codex',
      'sessions',
      String(start.getFullYear()),
      p(start.getMonth() + 1),
      p(start.getDate()),
    );
    mkdirSync(day, { recursive: true });
    const at = new Date(T0 + 2_000).toISOString();
    const line = (o: object) => JSON.stringify({ timestamp: at, ...o });
    const file = join(day, 'rollout-y.jsonl');
    // The shape codex 0.169 wrote in the conformance captures (usage_limit scenario).
    writeFileSync(
      file,
      [
        line({ type: 'session_meta', payload: { id: 'y', cwd: '/r' } }),
        line({ type: 'event_msg', payload: { type: 'task_started' } }),
        line({
          type: 'event_msg',
          payload: {
            type: 'task_complete',
            last_agent_message: null,
            error: {
              message: 'You’ve hit your usage limit. … try again at 7:08 PM.',
              codex_error_info: 'usage_limit_exceeded',
            },
          },
        }),
        '',
      ].join('\n'),
    );
    utimesSync(file, new Date(T0 + 2_000), new Date(T0 + 2_000));
    const exec: Executor = async () => ({ stdout: '› Ask Codex to do anything\n', stderr: '', code: 0 });
    const watch = new PaneWatch(
      new Tmux('/x.sock', '/dev/null', exec),
      '/nonexistent',
      () => STALL_MS,
      () => {},
      home,
    );
    const { w } = setup();
    const look = await watch.look({ ...w, agent: 'codex' }, T0 + 3_000, false);
    assert.equal(look.state, 'rate_limited');
    assert.equal(look.detection?.evidence.source, 'transcript');
    assert.equal(look.detection?.evidence.detail, 'StopFailure (rate_limit)');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('copilot retrying a 429 in silence: its log in the run dir says rate-limited; once the retries stop, working', async () => {
  const { mkdtempSync, mkdirSync, appendFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const runDir = mkdtempSync(join(tmpdir(), 'wc-pwt-'));
  try {
    const logs = join(runDir, 'hooks', 'copilot-logs');
    mkdirSync(logs, { recursive: true });
    const log = join(logs, 'process-1796105796771-10990.log');
    const failed = (at: number) =>
      appendFileSync(
        log,
        `${new Date(at).toISOString()} [WARNING] [rust:model_events::producer] Model provider request failed {"stage":"inference","api_endpoint":"/chat/completions","http_status":429,"failure_kind":"http_error","retry_after_ms":20000}\n`,
      );
    // Its busy line cycles its glyph every frame: not progress.
    const frames = ['◉', '◎', '○', '●'];
    let frame = 0;
    const exec: Executor = async () => ({
      stdout: ` ❯ Say hello.                                13:50\n ${frames[frame++ % 4]} Working esc esc interrupt   gpt-4.1\n`,
      stderr: '',
      code: 0,
    });
    const watch = new PaneWatch(
      new Tmux('/x.sock', '/dev/null', exec),
      '/nonexistent',
      () => STALL_MS,
      () => {},
    );
    const { w } = setup();
    const copilot: WorkcellSummary = { ...w, agent: 'copilot', runDir };
    appendFileSync(log, '2026-11-21T09:59:58.000Z [INFO] Starting Copilot CLI: 1.0.102\n');
    assert.equal((await watch.look(copilot, T0, true)).state, 'running');
    failed(T0 + 1_000);
    let look = await watch.look(copilot, T0 + 3_000, true);
    assert.equal(look.state, 'rate_limited');
    assert.equal(look.detection?.reason, 'throttled');
    assert.equal(look.detection?.evidence.source, 'log');
    failed(T0 + 22_000);
    look = await watch.look(copilot, T0 + 25_000, true);
    assert.equal(look.state, 'rate_limited', 'a spinner frame is no progress');
    // The retry after that went through: nothing more is logged, and the claim runs out.
    look = await watch.look(copilot, T0 + 22_000 + LOG_CLAIM_MS + 5_000, true);
    assert.equal(look.state, 'running');
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});

test('a limit line on a live pane is read against the detection clock (the recovery clock), not the look time', async () => {
  // The supervisor looks at T0 (its real time); the recovery playbook's clock (a test's ManualClock)
  // says 14:59 UTC on 2030-01-02. "resets 8pm (UTC)" is that day's 20:00, whatever today is.
  const RESET_CLOCK = Date.UTC(2030, 0, 2, 14, 59, 0);
  /** A watch on a pane that always shows `screen`, its detections dated by RESET_CLOCK. */
  const watchOn = (screen: string) =>
    new PaneWatch(
      new Tmux('/nonexistent.sock', '/dev/null', async () => ({ stdout: screen, stderr: '', code: 0 })),
      '/nonexistent-patterns',
      () => STALL_MS,
      () => {},
      undefined,
      undefined,
      () => 0,
      () => RESET_CLOCK,
    );
  const watch = watchOn("migrating the schema, step 3 of 5\nYou've hit your limit · resets 8pm (UTC)\n");
  const { w } = setup();
  const look = await watch.look(w, T0, false);
  assert.equal(look.state, 'rate_limited');
  assert.equal(look.detection?.resetAt, '2030-01-02T20:00:00.000Z');
  // Only the reset is in that clock's frame: the evidence is dated by the look's own time.
  assert.equal(look.detection?.evidence.at, new Date(T0).toISOString());

  // Ages are unchanged by the other clock: a pane quiet for less than the threshold is not stalled,
  // one quiet for longer is (the limit line aside).
  const other = watchOn('Building the project\n');
  assert.equal((await other.look(w, T0 + 1_000, false)).state, 'running');
  assert.equal((await other.look(w, T0 + STALL_MS + 60_000, false)).state, 'stalled');
});
