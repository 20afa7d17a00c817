import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellSummary } from '../common/workcell.js';
import { summaryFixture } from './testing/summaryFixture.js';
import { buildTrayModel, type TrayMenuItem } from './trayModel.js';
import { TrayPrompts } from './trayReplies.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const SCREEN =
  ' Bash command\n   rm -rf build\n Do you want to proceed?\n ❯ 1. Yes\n   2. No, and tell Claude what to do differently (esc)\n';
const live = { pid: 1, dead: false, width: 80, height: 24, title: '', activity: 0 };
const wc = (name: string, state: WorkcellSummary['state'], over: Partial<WorkcellSummary> = {}) =>
  summaryFixture(name, state, { startedAt: new Date(NOW - 60_000).toISOString(), pane: live, ...over });
const sub = (menu: TrayMenuItem[], name: string) => menu.find((i) => i.id === `wc:${name}`)?.submenu ?? [];

test('tray: a waiting workcell offers its question and answers; others offer none', async () => {
  const captured: string[] = [];
  const prompts = new TrayPrompts(async (n) => (captured.push(n), SCREEN));
  const list = [wc('asks', 'waiting'), wc('busy', 'running')];
  assert.equal(await prompts.refresh(list), true);
  assert.deepEqual(captured, ['asks']); // only waiting workcells are captured
  const menu = buildTrayModel(list, NOW, undefined, { prompts: prompts.current }).menu;
  const items = sub(menu, 'asks');
  assert.deepEqual(
    items.slice(0, 4).map((i) => [i.label, i.action ?? null]),
    [
      ['Do you want to proceed?', null],
      ['Reply 1 · Yes', { kind: 'reply', name: 'asks', key: '1' }],
      [
        'Reply 2 · No, and tell Claude what to do differently (esc)',
        { kind: 'reply', name: 'asks', key: '2' },
      ],
      ['Press Esc', { kind: 'reply', name: 'asks', key: 'Esc' }],
    ],
  );
  assert.ok(!sub(menu, 'busy').some((i) => i.action?.kind === 'reply'));
});

test('tray: a prompt is read again only when the state changed, and dropped once answered or ended', async () => {
  let reads = 0;
  const prompts = new TrayPrompts(async () => (reads++, SCREEN));
  const w = wc('asks', 'waiting', { stateSince: '2025-06-01T11:59:00Z' });
  await prompts.refresh([w]);
  assert.equal(await prompts.refresh([w]), false);
  assert.equal(reads, 1);
  await prompts.refresh([{ ...w, stateSince: '2025-06-01T11:59:30Z' }]);
  assert.equal(reads, 2);
  assert.equal(await prompts.refresh([wc('asks', 'running')]), true);
  assert.equal(prompts.current.size, 0);
  await prompts.refresh([w]);
  assert.equal(await prompts.refresh([wc('asks', 'done', { pane: null })]), true);
  assert.equal(prompts.current.size, 0);
});
