// The tray at fleet size (issue 10): 60 workcells do not build a 60-row menu, the badge counts what
// needs the user, waiting entries carry the question and the time waiting, seen endings clear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellState, WorkcellSummary } from '../common/workcell.js';
import { summaryFixture } from './testing/summaryFixture.js';
import { buildTrayModel, seenKey, TRAY, type TrayMenuItem } from './trayModel.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const MIN = 60_000;
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

/** 60 workcells: 10 each of waiting, failed, verify failed, rate-limited, running, done. */
function fleet(): WorkcellSummary[] {
  const kinds: [string, WorkcellState, Partial<WorkcellSummary>][] = [
    ['ask', 'waiting', {}],
    ['crash', 'failed', { endedAt: ago(MIN), pane: null }],
    [
      'claims',
      'done',
      { verified: false, verify: { ran: true, exitCode: 1, at: ago(MIN) }, endedAt: ago(MIN) },
    ],
    ['limit', 'rate_limited', {}],
    ['run', 'running', {}],
    ['ok', 'done', { verified: true, endedAt: ago(2 * MIN), pane: null }],
  ];
  return kinds.flatMap(([prefix, state, over]) =>
    Array.from({ length: 10 }, (_, i) =>
      summaryFixture(`${prefix}-${String(i).padStart(2, '0')}`, state, {
        startedAt: ago(60 * MIN),
        stateSince: ago((i + 1) * MIN),
        lastLine: state === 'waiting' ? `Apply migration ${i}? (y/n)` : 'working',
        ...over,
      }),
    ),
  );
}

const entries = (menu: TrayMenuItem[]) => menu.filter((i) => i.id.startsWith('wc:'));

test('60 workcells: a bounded menu, top N per group and "N more… open dashboard"', () => {
  const { menu, badge } = buildTrayModel(fleet(), NOW);
  const rows = entries(menu);
  assert.ok(menu.length < 60, `menu has ${menu.length} rows`);
  // Groups: waiting, attention (failed + verify failed), limited, running, done.
  assert.equal(rows.length, 5 * TRAY.maxPerGroup);
  const more = menu.filter((i) => i.id.startsWith('more:'));
  assert.deepEqual(
    more.map((i) => [i.id, i.label]),
    [
      ['more:waiting', '5 more… open dashboard'],
      ['more:attention', '15 more… open dashboard'],
      ['more:limited', '5 more… open dashboard'],
      ['more:running', '5 more… open dashboard'],
      ['more:done', '5 more… open dashboard'],
    ],
  );
  for (const m of more) assert.deepEqual(m.action, { kind: 'dashboard' });
  // 10 waiting + 10 failed + 10 verify failed; rate-limited, running and done do not need the user.
  assert.equal(badge, 30);
});

test('a waiting entry shows the question and how long it has waited', () => {
  const { menu } = buildTrayModel(fleet(), NOW);
  const ask = menu.find((i) => i.id === 'wc:ask-03');
  assert.equal(ask?.label, 'ask-03 · waiting · 4m — Apply migration 3? (y/n)');
  const claims = menu.find((i) => i.id === 'wc:claims-00');
  assert.match(claims?.label ?? '', /^claims-00 · done · verify failed · /);
});

test('ended entries clear once seen, and leave the badge; a new ending is news again', () => {
  const list = fleet();
  const seen = new Set(list.filter((w) => w.endedAt).map(seenKey));
  const { menu, badge } = buildTrayModel(list, NOW, undefined, { seen });
  assert.equal(entries(menu).filter((i) => /^wc:(crash|claims|ok)-/.test(i.id)).length, 0);
  assert.equal(badge, 10);
  // crash-00 was resumed and failed again: a different ending, shown again.
  const again = list.map((w) => (w.name === 'crash-00' ? { ...w, endedAt: ago(0) } : w));
  const after = buildTrayModel(again, NOW, undefined, { seen });
  assert.ok(after.menu.some((i) => i.id === 'wc:crash-00'));
  assert.equal(after.badge, 11);
});
