import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellState } from '../common/workcell.js';
import type { NotifyOn } from '../common/notify.js';
import {
  bodyOf,
  DEFAULT_DESKTOP_ON,
  desktopSubscriptions,
  headline,
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

test('headline and urgency per state', () => {
  const cases: { c: DesktopChange; title: string; urgency: string }[] = [
    { c: change('a', 'done'), title: 'done', urgency: 'normal' },
    { c: change('a', 'done', { verified: true }), title: 'done, verified', urgency: 'normal' },
    { c: change('a', 'done', { verified: false }), title: 'claimed done, not verified', urgency: 'critical' },
    { c: change('a', 'failed', { exitCode: 2 }), title: 'failed (exit 2)', urgency: 'critical' },
    {
      c: change('a', 'failed', { signal: 'SIGKILL', exitCode: null }),
      title: 'failed (SIGKILL)',
      urgency: 'critical',
    },
    { c: change('a', 'waiting'), title: 'waiting for you', urgency: 'critical' },
    { c: change('a', 'stalled'), title: 'stalled: no progress', urgency: 'normal' },
    { c: change('a', 'rate_limited'), title: 'hit a usage limit', urgency: 'normal' },
    { c: change('a', 'auth_failed'), title: 'needs you to log in again', urgency: 'critical' },
    { c: change('a', 'vanished'), title: 'vanished (tmux session gone)', urgency: 'critical' },
    { c: change('a', 'idle'), title: 'idle at its prompt', urgency: 'normal' },
    { c: change('a', 'running', { from: 'waiting' }), title: 'running again', urgency: 'low' },
    { c: change('a', 'killed'), title: 'killed', urgency: 'low' },
  ];
  for (const { c, title, urgency } of cases) {
    assert.equal(headline(c), title, c.state);
    assert.equal(urgencyOf(c), urgency, c.state);
  }
});

test('body: excerpt first, then evidence, then reason; reset time for limits; clipped at the end', () => {
  const at = '2025-06-01T12:00:00Z';
  assert.equal(
    bodyOf(change('a', 'waiting', { excerpt: '\n  Allow edit?  \n\n (y/n) \n', reason: 'r' })),
    'Allow edit?\n (y/n)',
  );
  assert.equal(
    bodyOf(change('a', 'stalled', { evidence: { source: 'timer', detail: 'no output for 600s', at } })),
    'no output for 600s',
  );
  assert.equal(bodyOf(change('a', 'failed', { reason: 'exit 1' })), 'exit 1');
  assert.equal(bodyOf(change('a', 'rate_limited', { resetAt: at })), `resets at ${at}`);
  const long = bodyOf(change('a', 'failed', { excerpt: `start ${'x'.repeat(500)} END` }));
  assert.equal(long.length, NOTIFY.bodyChars);
  assert.ok(long.startsWith('…') && long.endsWith('END'));
});

test('decide: subscriptions, mute, no-op changes', () => {
  const p = policy(['done']);
  assert.deepEqual(p.decide(change('a', 'failed'), 0), { kind: 'skip', why: 'not subscribed to failed' });
  assert.deepEqual(p.decide(change('a', 'done', { muted: true }), 0), { kind: 'skip', why: 'muted' });
  assert.deepEqual(p.decide(change('a', 'done', { from: 'done' }), 0), { kind: 'skip', why: 'no change' });
  assert.deepEqual(p.decide(change('a', 'done', { excerpt: 'ok' }), 0), {
    kind: 'show',
    name: 'a',
    title: 'a: done',
    body: 'ok',
    urgency: 'normal',
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
    assert.equal(last.body, 'd: vanished (tmux session gone)\ne: vanished (tmux session gone)');
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

test('headline and body: completions, turn ends, auth exit, orphaned', () => {
  const ok = { ran: true, exitCode: 0 };
  const bad = { ran: true, exitCode: 1, tail: 'FAIL login.test.ts' };
  const cases: { c: DesktopChange; title: string; body: string; urgency: string }[] = [
    { c: change('a', 'done', { verify: ok }), title: 'done, verified', body: '', urgency: 'normal' },
    {
      c: change('a', 'done', { verify: bad, excerpt: 'All done!' }),
      title: 'claimed done, not verified',
      body: 'FAIL login.test.ts',
      urgency: 'critical',
    },
    {
      c: change('a', 'done', { verify: { ran: false, exitCode: null } }),
      title: 'done (no verify.sh)',
      body: '',
      urgency: 'normal',
    },
    {
      c: change('a', 'done', { verify: { ran: true, exitCode: null, pending: true } }),
      title: 'done, verify still running',
      body: '',
      urgency: 'normal',
    },
    {
      c: change('a', 'idle', { reason: 'turn_end', verify: ok }),
      title: 'finished its turn: verified',
      body: '',
      urgency: 'normal',
    },
    {
      c: change('a', 'idle', { reason: 'turn_end', verify: bad }),
      title: 'finished its turn: claimed done, not verified',
      body: 'FAIL login.test.ts',
      urgency: 'critical',
    },
    {
      c: change('a', 'idle', { reason: 'turn_end', verify: { ran: false, exitCode: null } }),
      title: 'finished its turn (no verify.sh)',
      body: '',
      urgency: 'normal',
    },
    {
      c: change('a', 'failed', { reason: 'auth_failed', exitCode: 1 }),
      title: 'lost its login and exited',
      body: 'Log the agent in again, then: workcell resume a',
      urgency: 'critical',
    },
    {
      c: change('a', 'orphaned'),
      title: 'orphaned (session gone, processes still running)',
      body: 'End them: workcell kill a',
      urgency: 'critical',
    },
  ];
  for (const { c, title, body, urgency } of cases) {
    assert.equal(headline(c), title);
    assert.equal(bodyOf(c), body, title);
    assert.equal(urgencyOf(c), urgency, title);
  }
});

test('decide: a digest from the dispatcher is one summary bubble', () => {
  const p = policy(['done']);
  const d = p.decide(
    change('a', 'failed', {
      title: '3 workcells finished: 2 verified, 1 failed',
      body: 'a: failed (exit 1)\nb: done, verified\nc: done, verified\nSee all: workcell ls',
      digest: { count: 3, messages: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
    }),
    0,
  );
  assert.deepEqual(d, {
    kind: 'summary',
    title: '3 workcells finished: 2 verified, 1 failed',
    body: 'a: failed (exit 1)\nb: done, verified\nc: done, verified\nSee all: workcell ls',
    urgency: 'critical',
    names: ['a', 'b', 'c'],
  });
});
