// The playbook's pure parts, table-tested with a fixed instant (never today, never the machine's zone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellStatus, WorkcellSummary } from '../../common/workcell.js';
import { openItems, partialReason, remainingBrief } from './brief.js';
import { diagnose, type DiagnoseInput } from './diagnose.js';
import { breakerOpen, budgetAllows, RECOVERY_DEFAULTS } from './guard.js';
import {
  continueTurn,
  dueOf,
  limitAfterTurn,
  objectiveOf,
  readLimitScreen,
  RECOVERY,
  resetSourceOf,
} from './plan.js';

const NOW = Date.UTC(2030, 0, 2, 13, 20, 0);
const iso = (ms: number) => new Date(ms).toISOString();

test('dueOf: reset + jitter; past resets fire now + jitter; never more than 26 h ahead; unknown is a capped backoff, said so', () => {
  const r = dueOf(iso(NOW + 110 * 60_000), NOW, 0, 0.5, 30_000);
  assert.equal(r.dueAt, NOW + 110 * 60_000 + 15_000);
  assert.match(r.text, /^paused until 15:10 UTC \(in 1 h 50 m\)$/);
  assert.equal(
    dueOf(iso(NOW - 3_600_000), NOW, 0, 0, 30_000).dueAt,
    NOW,
    'a reset passed while asleep is due at once',
  );
  const far = dueOf(iso(NOW + 7 * 86_400_000), NOW, 0, 0, 30_000);
  assert.equal(far.dueAt, NOW + RECOVERY.maxAheadMs);
  assert.ok(far.capped && /more than 26 h/.test(far.text));
  const unknown = [0, 1, 2, 3, 9].map((s) => dueOf(null, NOW, s, 0, 30_000));
  assert.deepEqual(
    unknown.map((u) => (u.dueAt - NOW) / 60_000),
    [15, 30, 60, 120, 120],
  );
  assert.ok(unknown.every((u) => u.capped && /reset time unknown.*capped at 2 h/.test(u.text)));
  const still = dueOf(iso(NOW - 1000), NOW, 1, 0, 30_000);
  assert.equal(still.dueAt - NOW, RECOVERY.stillLimitedMs);
  assert.match(still.text, /limit still there/);
});

test('readLimitScreen: the vendor retrying, a limit menu picked by its number (never a bare Enter), anything else', () => {
  assert.equal(
    readLimitScreen('API Error 429\n  Retrying in 12 seconds… (attempt 3/10)').kind,
    'vendor-retrying',
  );
  const menu = readLimitScreen(
    "You've hit your limit · resets 3pm\n What do you want to do?\n ❯ 1. Switch to extra usage\n   2. Stop and wait for limit to reset\n   3. Upgrade your plan",
  );
  assert.deepEqual(menu, { kind: 'menu', key: '2', line: '2. Stop and wait for limit to reset' });
  assert.deepEqual(
    readLimitScreen('  ❯ 1) Stop and wait for limit to reset').kind === 'menu' &&
      readLimitScreen('  ❯ 1) Stop and wait for limit to reset'),
    {
      kind: 'menu',
      key: '1',
      line: '❯ 1) Stop and wait for limit to reset',
    },
  );
  const unnumbered = readLimitScreen('❯ Stop and wait for limit to reset\n  Upgrade');
  assert.equal(unnumbered.kind === 'menu' && unnumbered.key, null, 'no number: we do not guess with Enter');
  assert.equal(readLimitScreen("You've hit your usage limit").kind, 'other');
});

test('the continue turn says why work stopped and names the objective', () => {
  assert.equal(
    continueTurn('Fix the login bug'),
    'Your usage limit has reset; continue the task from where you stopped: Fix the login bug',
  );
  assert.equal(
    objectiveOf('# Objective\n\nFix the login bug\n\n# Done when\n- tests pass'),
    'Fix the login bug',
  );
  assert.equal(
    resetSourceOf({ resetAt: iso(NOW), evidence: { source: 'pane', detail: '', at: '' } }),
    'parsed',
  );
  assert.equal(
    resetSourceOf({ resetAt: iso(NOW), evidence: { source: 'hook', detail: '', at: '' } }),
    'structured',
  );
  assert.equal(resetSourceOf({ resetAt: null, evidence: null }), 'estimated');
});

test('limitAfterTurn: a limit line below our continue turn, or on a screen the turn was cleared from, is the limit back', () => {
  const limit = [/usage limit/i];
  const turn = continueTurn('Fix it');
  const banner = "You've hit your usage limit · resets 3pm";
  const table: [string, boolean][] = [
    [`${banner}\n> ${turn}`, false], // the turn typed below the old banner: not back (yet)
    [`${banner}\n> ${turn}\n● Working on it`, false],
    [`> ${turn}\n${banner}`, true], // the limit answered the turn
    [banner, true], // redrawn without the turn: the banner is new
    [`> ${turn}\nall done`, false],
    ['', false],
  ];
  for (const [screen, want] of table) assert.equal(limitAfterTurn(screen, limit), want, screen);
});

test('breaker: 3 passes with no progress or 5 with the same error open it; budgets count per workcell and per home', () => {
  const p = (key: string, error: string | null = null) => ({ pass: 0, key, error });
  assert.equal(breakerOpen([p('a'), p('b')]), null);
  assert.match(breakerOpen([p('a'), p('b'), p('b'), p('b')]) ?? '', /3 passes with no progress/);
  assert.equal(breakerOpen([p('a', 'e'), p('b', 'e'), p('c', 'e'), p('d', 'e')]), null);
  assert.match(
    breakerOpen(['a', 'b', 'c', 'd', 'e'].map((k) => p(k, 'failed:1'))) ?? '',
    /5 passes ended with the same error/,
  );
  const s = RECOVERY_DEFAULTS;
  const home = { restarts: [], authHold: {} };
  assert.equal(budgetAllows({ v: 1, restarts: [NOW - 10_000, NOW - 20_000] }, home, NOW, s), null);
  assert.match(
    budgetAllows({ v: 1, restarts: [NOW - 1, NOW - 2, NOW - 3] }, home, NOW, s) ?? '',
    /3 automatic restarts of this workcell/,
  );
  assert.equal(
    budgetAllows({ v: 1, restarts: [NOW - 301_000, NOW - 302_000, NOW - 303_000] }, home, NOW, s),
    null,
  );
  assert.match(
    budgetAllows({ v: 1 }, { restarts: [NOW - 30_000], authHold: {} }, NOW, s) ?? '',
    /in this home in the last minute/,
  );
});

const summary = (o: Partial<WorkcellSummary>): WorkcellSummary => ({
  name: 'w',
  state: 'running',
  agent: 'claude',
  repo: '/r',
  pass: 1,
  startedAt: iso(NOW),
  endedAt: null,
  exitCode: null,
  signal: null,
  verify: { ran: false, exitCode: null, at: null },
  verified: null,
  runDir: '/h/runs/w',
  lastLine: '',
  reason: null,
  resetAt: null,
  evidence: { source: 'pane', detail: 'x', at: iso(NOW) },
  muted: false,
  pane: null,
  ...o,
});

test('diagnose: each failure mode gets its action; policy decides whether it is automatic; an auth hold stops the vendor', () => {
  const base: Omit<DiagnoseInput, 'w'> = {
    rec: { v: 1 },
    home: { restarts: [], authHold: {} },
    policy: 'auto',
    partial: null,
    hasBrief: true,
  };
  const d = (w: Partial<WorkcellSummary>, o: Partial<Omit<DiagnoseInput, 'w'>> = {}) =>
    diagnose({ ...base, ...o, w: summary(w) });
  assert.deepEqual(
    [d({ state: 'rate_limited', resetAt: iso(NOW) }).action, d({ state: 'rate_limited' }).automatic],
    ['park', true],
  );
  assert.equal(d({ state: 'rate_limited' }, { policy: 'suggest' }).automatic, false);
  const auth = d({ state: 'auth_failed' });
  assert.deepEqual([auth.action, auth.automatic], ['hold', false]);
  assert.match(auth.detail, /`claude`, then `\/login`/);
  assert.equal(
    d({ state: 'failed', reason: 'auth_failed', agent: 'codex' }).detail.includes('codex login'),
    true,
  );
  const held = d(
    { name: 'x', state: 'vanished' },
    { home: { restarts: [], authHold: { claude: { name: 'w2', pass: 1, since: '', told: true } } } },
  );
  assert.deepEqual([held.diagnosis, held.action], ['auth_held', 'wait']);
  assert.deepEqual([d({ state: 'vanished' }).diagnosis, d({ state: 'vanished' }).action], ['lost', 'resume']);
  assert.equal(d({ state: 'failed', signal: 'SIGHUP' }).diagnosis, 'lost');
  assert.equal(d({ state: 'vanished' }, { hasBrief: false }).detail, 'dead: no brief.md to resume from');
  assert.equal(d({ state: 'orphaned' }).action, 'none');
  assert.equal(d({ state: 'killed' }).action, 'none');
  assert.equal(d({ state: 'done' }, { partial: 'verify.sh failed (exit 1)' }).action, 'resume_rewritten');
  const broken = d(
    { state: 'done' },
    {
      partial: 'verify.sh failed (exit 1)',
      rec: { v: 1, passes: [0, 1, 2].map((i) => ({ pass: i, key: 'k', error: null })) },
    },
  );
  assert.deepEqual([broken.action, broken.automatic], ['wait', false]);
  assert.equal(d({ state: 'done' }).action, 'none');
});

test('partial completion: open items and a failing verify make the rewritten brief, which names both', () => {
  const brief = '# Objective\n\nShip the parser\n\n# Checklist\n- [x] tokenizer\n- [ ] parser\n- [ ] docs\n';
  assert.deepEqual(openItems(brief), ['parser', 'docs']);
  const s = { verify: { ran: true, exitCode: 1, at: null } } as WorkcellStatus;
  assert.equal(partialReason(s, brief), 'verify.sh failed (exit 1) and 2 checklist item(s) are open');
  assert.equal(
    partialReason({ verify: { ran: true, exitCode: 0, at: null } } as WorkcellStatus, '- [x] all'),
    null,
  );
  const text = remainingBrief({
    objective: 'Ship the parser',
    pass: 2,
    commits: 'abc123 add tokenizer',
    diffStat: ' src/tok.ts | 40 +++',
    verifyTail: 'FAIL parser.test.ts: expected 3, got 2',
    verifyExit: 1,
    open: ['parser', 'docs'],
    original: brief,
  });
  assert.match(text, /^# Objective\nShip the parser\n/);
  assert.match(text, /for pass 3/);
  assert.match(text, /- commit abc123 add tokenizer/);
  assert.match(
    text,
    /## Still failing: verify.sh \(exit 1\)\n```\nFAIL parser.test.ts: expected 3, got 2\n```/,
  );
  assert.match(text, /## Open checklist items\n- \[ \] parser\n- \[ \] docs/);
  assert.match(text, /## Original brief\n\n## Objective/);
});
