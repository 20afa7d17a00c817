import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellSummary } from '../common/workcell.js';
import { summaryFixture } from './testing/summaryFixture.js';
import {
  ageText,
  buildTrayModel,
  formatAge,
  groupOf,
  iconOf,
  TRAY,
  truncate,
  type TrayMenuItem,
} from './trayModel.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const summary = (
  name: string,
  state: Parameters<typeof summaryFixture>[1],
  over: Partial<WorkcellSummary> = {},
): WorkcellSummary => summaryFixture(name, state, { startedAt: ago(10 * MIN), ...over });
const MIN = 60_000;

test('icon: the worst unmuted state wins', () => {
  const cases: { name: string; list: WorkcellSummary[]; icon: string }[] = [
    { name: 'nothing', list: [], icon: 'empty' },
    { name: 'all running', list: [summary('a', 'running'), summary('b', 'starting')], icon: 'ok' },
    {
      name: 'idle and done are fine',
      list: [summary('a', 'idle'), summary('b', 'done', { verified: true })],
      icon: 'ok',
    },
    { name: 'killed is fine', list: [summary('a', 'killed')], icon: 'ok' },
    { name: 'waiting', list: [summary('a', 'running'), summary('b', 'waiting')], icon: 'waiting' },
    { name: 'rate limited', list: [summary('a', 'running'), summary('b', 'rate_limited')], icon: 'limited' },
    {
      name: 'waiting beats limited',
      list: [summary('a', 'rate_limited'), summary('b', 'waiting')],
      icon: 'waiting',
    },
    { name: 'failed beats waiting', list: [summary('a', 'waiting'), summary('b', 'failed')], icon: 'alert' },
    { name: 'stalled', list: [summary('a', 'stalled')], icon: 'alert' },
    { name: 'auth failed', list: [summary('a', 'auth_failed')], icon: 'alert' },
    { name: 'vanished', list: [summary('a', 'vanished')], icon: 'alert' },
    { name: 'done, not verified', list: [summary('a', 'done', { verified: false })], icon: 'alert' },
    {
      name: 'muted failure ignored',
      list: [summary('a', 'failed', { muted: true }), summary('b', 'running')],
      icon: 'ok',
    },
    { name: 'only muted', list: [summary('a', 'waiting', { muted: true })], icon: 'ok' },
  ];
  for (const c of cases) assert.equal(iconOf(c.list), c.icon, c.name);
});

test('groupOf: claimed done, not verified needs attention', () => {
  assert.equal(groupOf({ state: 'done', verified: false }), 'attention');
  assert.equal(groupOf({ state: 'done', verified: null }), 'done');
  assert.equal(groupOf({ state: 'stalled', verified: null }), 'attention');
});

test('formatAge', () => {
  const cases: [number, string][] = [
    [-5000, '0s'],
    [45_000, '45s'],
    [12 * MIN, '12m'],
    [60 * MIN, '1h'],
    [185 * MIN, '3h 5m'],
    [48 * 60 * MIN, '2d'],
    [52 * 60 * MIN, '2d 4h'],
  ];
  for (const [ms, text] of cases) assert.equal(formatAge(ms), text, String(ms));
});

test('ageText: running since start, ended since end, rate limit until reset', () => {
  assert.equal(ageText(summary('a', 'running'), NOW), '10m');
  assert.equal(ageText(summary('a', 'failed', { endedAt: ago(3 * MIN) }), NOW), '3m ago');
  const reset = new Date(NOW + 65 * MIN).toISOString();
  assert.equal(ageText(summary('a', 'rate_limited', { resetAt: reset }), NOW), 'resets in 1h 5m');
  assert.equal(
    ageText(summary('a', 'rate_limited', { resetAt: ago(MIN) }), NOW),
    '10m',
    'a past reset falls back to the age',
  );
  assert.equal(ageText(summary('a', 'running', { startedAt: 'garbage' }), NOW), '');
});

test('truncate flattens control characters and whitespace', () => {
  assert.equal(truncate('a\tb\n\u001bc  ', 20), 'a b c');
  assert.equal(truncate('x'.repeat(10), 5), 'xxxx…');
});

test('tooltip counts by group', () => {
  assert.equal(buildTrayModel([], NOW).tooltip, 'Session Supervisor: no workcells');
  const list = [
    summary('a', 'running'),
    summary('b', 'running'),
    summary('c', 'waiting'),
    summary('d', 'failed'),
  ];
  assert.equal(
    buildTrayModel(list, NOW).tooltip,
    'Session Supervisor: 1 waiting, 1 need attention, 2 running',
  );
});

const ids = (menu: TrayMenuItem[]): string[] => menu.map((i) => i.id);

test('menu: groups in order, entries sorted, actions per entry', () => {
  const list = [
    summary('zeta', 'running', { lastLine: 'Compiling…' }),
    summary('alpha', 'running'),
    summary('beta', 'waiting', { lastLine: 'Do you want to proceed? (y/n)' }),
    summary('gamma', 'done', { verified: true, endedAt: ago(2 * MIN), pane: null }),
  ];
  const { menu, icon } = buildTrayModel(list, NOW);
  assert.equal(icon, 'waiting');
  assert.deepEqual(ids(menu), [
    'summary',
    'sep:waiting',
    'group:waiting',
    'wc:beta',
    'sep:running',
    'group:running',
    'wc:alpha',
    'wc:zeta',
    'sep:done',
    'group:done',
    'wc:gamma',
    'sep:end',
    'dashboard',
    'settings',
    'quit',
  ]);
  const beta = menu.find((i) => i.id === 'wc:beta');
  assert.equal(beta?.label, 'beta · waiting · 10m — Do you want to proceed? (y/n)');
  assert.deepEqual(
    beta?.submenu?.map((i) => [i.id, i.label, i.enabled ?? true]),
    [
      ['wc:beta:last', 'Do you want to proceed? (y/n)', false],
      ['wc:beta:sep', '', true],
      ['wc:beta:peek', 'Peek', true],
      ['wc:beta:terminal', 'Open in my terminal', true],
      ['wc:beta:kill', 'Kill', true],
      ['wc:beta:resume', 'Resume', false],
    ],
  );
  const gamma = menu.find((i) => i.id === 'wc:gamma');
  assert.equal(gamma?.label, 'gamma · done, verified · 2m ago');
  const enabled = Object.fromEntries(gamma?.submenu?.map((i) => [i.label, i.enabled]) ?? []);
  assert.deepEqual(enabled, { Peek: false, 'Open in my terminal': false, Kill: false, Resume: true });
  assert.deepEqual(gamma?.submenu?.find((i) => i.label === 'Resume')?.action, {
    kind: 'resume',
    name: 'gamma',
  });
  assert.equal(menu.find((i) => i.id === 'group:running')?.label, 'Running (2)');
});

test('menu: a muted entry says so; a long group is capped with a link to the dashboard', () => {
  const many = Array.from({ length: TRAY.maxPerGroup + 3 }, (_, i) =>
    summary(`w${String(i).padStart(2, '0')}`, 'running'),
  );
  const { menu } = buildTrayModel([...many, summary('m', 'failed', { muted: true })], NOW);
  assert.equal(menu.filter((i) => i.id.startsWith('wc:w')).length, TRAY.maxPerGroup);
  assert.deepEqual(
    menu.find((i) => i.id === 'more:running'),
    {
      id: 'more:running',
      label: '3 more… open dashboard',
      action: { kind: 'dashboard' },
    },
  );
  assert.match(menu.find((i) => i.id === 'wc:m')?.label ?? '', /\(muted\)$/);
});

test('menu: empty fleet still offers dashboard, settings, quit', () => {
  const { menu, icon } = buildTrayModel([], NOW);
  assert.equal(icon, 'empty');
  assert.deepEqual(ids(menu), ['summary', 'sep:end', 'dashboard', 'settings', 'quit']);
  assert.equal(menu[0]?.label, 'No workcells');
});

test('problems with supervision come first in the menu and the tooltip, with the way to fix them', () => {
  const list = [summary('a', 'running')];
  const none = buildTrayModel(list, NOW);
  assert.ok(!none.menu.some((i) => i.id.startsWith('notice:')));
  const m = buildTrayModel(list, NOW, {
    supervisor: 'No supervisor is watching: the supervisor daemon is not running.',
    settings: 'settings.json line 1, column 22: trailing comma',
  });
  assert.deepEqual(
    m.menu.slice(0, 2).map((i) => [i.id, i.action?.kind]),
    [
      ['notice:supervisor', 'dashboard'],
      ['notice:settings', 'settings'],
    ],
  );
  assert.equal(m.icon, 'alert', 'nothing watches: the icon says so even when every workcell runs');
  assert.match(m.tooltip, /⚠ No supervisor is watching/);
  assert.match(m.tooltip, /⚠ settings\.json line 1/);
});

test('a full disk is a notice in the menu and the tooltip', () => {
  const m = buildTrayModel([summary('a', 'running')], NOW, {
    supervisor: null,
    settings: null,
    disk: 'The disk holding /h is full (0 kB free): ... Free some disk space.',
  });
  assert.equal(m.menu[0]?.id, 'notice:disk');
  assert.match(m.tooltip, /⚠ The disk holding \/h is full/);
});

test('resources: CPU and memory beside live entries and their total in the tooltip; none for ended ones', () => {
  const list = [
    summary('busy', 'running'),
    summary('calm', 'idle'),
    summary('old', 'done', { verified: true }),
  ];
  const resources = new Map([
    ['busy', { name: 'busy', processes: 3, cpuPercent: 145.2, rssBytes: 1.5 * 1024 ** 3 }],
    ['calm', { name: 'calm', processes: 1, cpuPercent: 0.4, rssBytes: 40 * 1024 ** 2 }],
    ['old', { name: 'old', processes: 0, cpuPercent: null, rssBytes: 0 }],
  ]);
  const m = buildTrayModel(list, NOW, undefined, { resources });
  const label = (name: string) => m.menu.find((i) => i.id === `wc:${name}`)!.label;
  assert.equal(label('busy'), 'busy · running · 10m · 145% CPU · 1.5 GB');
  assert.equal(label('calm'), 'calm · idle · 10m · 0.4% CPU · 40 MB');
  assert.doesNotMatch(label('old'), /CPU/);
  assert.match(m.tooltip, /\nCPU 146% · 1.5 GB in 2 workcells$/);
  // Not sampled (nobody looked): the menu is as before.
  const plain = buildTrayModel(list, NOW);
  assert.equal(plain.menu.find((i) => i.id === 'wc:busy')!.label, 'busy · running · 10m');
  assert.doesNotMatch(plain.tooltip, /CPU/);
});

test('a workcell parked on a usage limit offers Resume now and Cancel the wait; suggest only Resume now; others neither', () => {
  const parked = (how: 'continue' | 'relaunch' | 'suggest') =>
    summary('parked', 'rate_limited', {
      resetAt: ago(-90 * MIN),
      recovery: { state: 'scheduled', resumeAt: ago(-90 * MIN), attempt: 1, how, resetSource: 'parsed' },
    });
  const items = (w: WorkcellSummary) =>
    buildTrayModel([w], NOW).menu.find((i) => i.id === `wc:${w.name}`)!.submenu!;
  const auto = items(parked('continue'));
  assert.deepEqual(auto.find((i) => i.id === 'wc:parked:recover-now')?.action, {
    kind: 'recover',
    name: 'parked',
    action: 'now',
  });
  assert.deepEqual(auto.find((i) => i.id === 'wc:parked:recover-cancel')?.action, {
    kind: 'recover',
    name: 'parked',
    action: 'cancel',
  });
  // Policy suggest: nothing fires by itself, so there is no wait to cancel.
  const suggest = items(parked('suggest')).map((i) => i.id);
  assert.ok(suggest.includes('wc:parked:recover-now'));
  assert.ok(!suggest.includes('wc:parked:recover-cancel'));
  // Limited but not (yet) scheduled, or running: neither entry.
  for (const w of [summary('parked', 'rate_limited'), summary('parked', 'running')])
    assert.ok(!items(w).some((i) => i.id.includes(':recover')), w.state);
});
