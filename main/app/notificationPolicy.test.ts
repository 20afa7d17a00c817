import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellState } from '../common/workcell.js';
import type { NotifyOn } from '../common/notify.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATES } from '../common/workcell.js';
import type { SoundOn } from '../common/notifySound.js';
import { formatMessage } from '../core/notify/format.js';
import { CASES, CTX, GOLDEN_DIR, NOW } from '../core/notify/testing/goldenCases.js';
import {
  bubbleText,
  DEFAULT_DESKTOP_ON,
  desktopSubscriptions,
  fitBody,
  NOTIFY,
  NotificationPolicy,
  urgencyOf,
  type DesktopChange,
} from './notificationPolicy.js';

const change = (name: string, state: WorkcellState, over: Partial<DesktopChange> = {}): DesktopChange => ({
  name,
  state,
  from: 'running',
  ...over,
});
const policy = (on: readonly NotifyOn[] = DEFAULT_DESKTOP_ON): NotificationPolicy =>
  new NotificationPolicy(new Set(on));

test('desktopSubscriptions: union of desktop notifiers, default when unconfigured', () => {
  const cases: { name: string; notifiers: unknown; on: NotifyOn[] }[] = [
    { name: 'no list at all', notifiers: undefined, on: [...DEFAULT_DESKTOP_ON] },
    { name: 'empty list', notifiers: [], on: [] },
    { name: 'slack only', notifiers: [{ type: 'slack', on: ['done'] }], on: [] },
    {
      name: 'two desktop notifiers',
      notifiers: [
        { type: 'desktop', on: ['done', 'failed'] },
        { type: 'desktop', on: ['failed', 'waiting'] },
      ],
      on: ['done', 'failed', 'waiting'],
    },
    { name: 'desktop without on', notifiers: [{ type: 'desktop' }], on: [...DEFAULT_DESKTOP_ON] },
    { name: 'garbage', notifiers: 'yes', on: [] },
  ];
  for (const c of cases) assert.deepEqual(desktopSubscriptions(c.notifiers), c.on, c.name);
});

test('urgency per state: what needs you now is critical', () => {
  const cases: { c: DesktopChange; urgency: string }[] = [
    { c: change('a', 'done'), urgency: 'normal' },
    { c: change('a', 'done', { verified: false }), urgency: 'critical' },
    {
      c: change('a', 'idle', { reason: 'turn_end', verify: { ran: true, exitCode: 1 } }),
      urgency: 'critical',
    },
    { c: change('a', 'failed', { exitCode: 2 }), urgency: 'critical' },
    { c: change('a', 'waiting'), urgency: 'critical' },
    { c: change('a', 'stalled'), urgency: 'normal' },
    { c: change('a', 'rate_limited'), urgency: 'normal' },
    { c: change('a', 'auth_failed'), urgency: 'critical' },
    { c: change('a', 'vanished'), urgency: 'critical' },
    { c: change('a', 'running', { from: 'waiting' }), urgency: 'low' },
    { c: change('a', 'killed'), urgency: 'low' },
  ];
  for (const { c, urgency } of cases) assert.equal(urgencyOf(c), urgency, c.state);
});

test('the bubble says what every channel says: the golden desktop text, per state', () => {
  for (const [name, change] of Object.entries(CASES)) {
    const msg = formatMessage(change, CTX);
    const d = new NotificationPolicy(new Set(STATES)).decide(msg, NOW);
    assert.equal(d.kind, 'show', name);
    if (d.kind !== 'show') continue;
    const golden = readFileSync(join(GOLDEN_DIR, `${name}.desktop.txt`), 'utf8');
    assert.equal(`${d.title}\n---\n${d.body}\n`, golden, name);
  }
});

test('a change the core did not format is formatted by the same formatter: plain words, local time', () => {
  const c = change('fix-login', 'rate_limited', {
    at: '2026-11-30T13:09:30Z',
    reason: 'usage limit',
    resetAt: '2026-11-30T15:00:00.000Z',
    evidence: { source: 'pane', detail: 'Claude usage limit reached.', at: '2026-11-30T13:09:30Z' },
    repo: '/home/dev/app',
    startedAt: '2026-11-30T12:05:00Z',
  });
  const t = bubbleText(c, NOW);
  assert.equal(t.title, 'fix-login hit a usage limit');
  assert.match(t.body, /^\/home\/dev\/app · running for 1 h 5 m$/m);
  assert.match(t.body, /resets .*, in 1 h 50 m/);
  assert.doesNotMatch(t.body, /2026-11-30T|\((pane|timer|exit)\)|Reason:/);
  // Both ways to act, resume now or cancel the automatic resume, one command each.
  assert.match(
    t.body,
    /Resume now: workcell recover fix-login · .*workcell recover fix-login --cancel · look: workcell attach fix-login$/,
  );
  const ended = bubbleText(change('old', 'failed', { exitCode: 1, at: '2026-11-30T13:00:00Z' }), NOW);
  assert.doesNotMatch(ended.body, /workcell attach/, 'attach only while live');
  assert.match(ended.body, /workcell resume old$/);
});

test('fitBody: whole lines, the first and the last kept, the middle cut in order', () => {
  assert.equal(fitBody('a\n\n  b  \nc'), 'a\n  b\nc');
  const middle = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
  const body = fitBody(['~/app · ran 5 m', ...middle, 'Read it: workcell peek a'].join('\n'));
  assert.ok(body.length <= NOTIFY.bodyChars, `${body.length}`);
  const lines = body.split('\n');
  assert.equal(lines[0], '~/app · ran 5 m');
  assert.equal(lines[lines.length - 1], 'Read it: workcell peek a');
  assert.equal(lines[lines.length - 2], '…');
  assert.equal(lines[1], middle[0]);
  assert.ok(lines.length > 5, 'as many middle lines as fit');
});

test('decide: the sound follows the sound setting (default: waiting, failed, verify failed, auth)', () => {
  const p = policy([...DEFAULT_DESKTOP_ON]);
  const sound = (c: DesktopChange, on?: SoundOn[]): boolean | undefined => {
    const d = p.decide(c, Math.random() * 1e12, on);
    return d.kind === 'skip' ? undefined : d.sound;
  };
  assert.equal(sound(change('a', 'waiting')), true);
  assert.equal(sound(change('b', 'done', { verify: { ran: true, exitCode: 1 } })), true);
  assert.equal(sound(change('c', 'done', { verify: { ran: true, exitCode: 0 } })), false);
  assert.equal(sound(change('d', 'rate_limited')), false);
  assert.equal(sound(change('e', 'rate_limited'), ['rate_limited']), true);
  assert.equal(sound(change('f', 'waiting'), []), false, 'an empty list is silent');
});

test('decide: subscriptions, mute, no-op changes', () => {
  const p = policy(['done']);
  assert.deepEqual(p.decide(change('a', 'failed'), 0), { kind: 'skip', why: 'not subscribed to failed' });
  assert.deepEqual(p.decide(change('a', 'done', { muted: true }), 0), { kind: 'skip', why: 'muted' });
  assert.deepEqual(p.decide(change('a', 'done', { from: 'done' }), 0), { kind: 'skip', why: 'no change' });
  assert.deepEqual(p.decide(change('a', 'done', { excerpt: 'ok' }), 0), {
    kind: 'show',
    name: 'a',
    title: 'a finished',
    body: 'Last output:\nok\nRead it: workcell peek a · continue it: workcell resume a',
    urgency: 'normal',
    sound: false,
  });
  p.setSubscriptions(['failed']);
  assert.equal(p.decide(change('b', 'failed'), 10_000).kind, 'show');
});

test('decide: a flapping state pings once per window', () => {
  const p = policy();
  assert.equal(p.decide(change('a', 'waiting'), 0).kind, 'show');
  assert.equal(p.decide(change('a', 'waiting'), 20_000).kind, 'skip');
  assert.equal(p.decide(change('b', 'waiting'), 20_000).kind, 'show', 'another workcell is not a repeat');
  assert.equal(p.decide(change('a', 'failed'), 21_000).kind, 'show', 'another state is not a repeat');
  assert.equal(p.decide(change('a', 'waiting'), NOTIFY.repeatWindowMs + 1).kind, 'show');
});

test('decide: a burst shows the first few, then folds the rest into one summary', () => {
  const p = policy();
  const names = ['a', 'b', 'c', 'd', 'e'];
  const decisions = names.map((n, i) => p.decide(change(n, 'vanished'), 1000 + i * 10));
  assert.deepEqual(
    decisions.map((d) => d.kind),
    ['show', 'show', 'show', 'summary', 'summary'],
  );
  const last = decisions[4];
  assert.equal(last?.kind, 'summary');
  if (last?.kind === 'summary') {
    assert.equal(last.title, '2 more workcells changed');
    assert.equal(
      last.body,
      'd vanished: its tmux session is gone without an exit record\ne vanished: its tmux session is gone without an exit record',
    );
    assert.deepEqual(last.names, ['d', 'e']);
  }
  assert.equal(
    p.decide(change('f', 'failed'), 1000 + NOTIFY.burstWindowMs + 100).kind,
    'show',
    'a new burst starts later',
  );
});

test('decide: a test message always shows', () => {
  const p = policy([]);
  const d = p.decide(change('a', 'done', { test: true }), 0);
  assert.equal(d.kind, 'show');
  assert.equal(p.decide(change('a', 'done', { test: true }), 1).kind, 'show');
});

test('decide: a subscription matches the state or the reason', () => {
  const cases: { on: NotifyOn[]; c: DesktopChange; shown: boolean }[] = [
    { on: ['auth_failed'], c: change('a', 'failed', { reason: 'auth_failed' }), shown: true },
    { on: ['auth_failed'], c: change('a', 'failed', { reason: 'exit 1' }), shown: false },
    { on: ['failed'], c: change('a', 'failed', { reason: 'auth_failed' }), shown: true },
    { on: [...DEFAULT_DESKTOP_ON], c: change('a', 'idle', { reason: 'turn_end' }), shown: true },
    { on: [...DEFAULT_DESKTOP_ON], c: change('a', 'idle'), shown: false },
    { on: [...DEFAULT_DESKTOP_ON], c: change('a', 'idle', { reason: 'no output for 30 s' }), shown: false },
    { on: ['idle'], c: change('a', 'idle', { reason: 'turn_end' }), shown: true },
    { on: ['network'], c: change('a', 'failed', { reason: 'network' }), shown: true },
    { on: [...DEFAULT_DESKTOP_ON], c: change('a', 'orphaned'), shown: true },
  ];
  for (const [i, { on, c, shown }] of cases.entries()) {
    assert.equal(
      policy(on).decide(c, 0).kind === 'show',
      shown,
      `case ${i}: ${c.state}/${c.reason} on ${on}`,
    );
  }
});

test('decide: a digest from the dispatcher is one summary bubble', () => {
  const p = policy(['done']);
  const d = p.decide(
    change('a', 'failed', {
      title: '3 workcells finished: 2 verified, 1 failed',
      body: 'a: failed (exit 1)\nb: done, verified\nc: done, verified\nSee all: workcell ls',
      digest: {
        count: 3,
        messages: [
          { name: 'a', state: 'failed' },
          { name: 'b', state: 'done' },
          { name: 'c', state: 'done' },
        ],
      },
    }),
    0,
  );
  assert.deepEqual(d, {
    kind: 'summary',
    title: '3 workcells finished: 2 verified, 1 failed',
    body: 'a: failed (exit 1)\nb: done, verified\nc: done, verified\nSee all: workcell ls',
    urgency: 'critical',
    sound: true,
    names: ['a', 'b', 'c'],
  });
});
