import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRAY_SEEN, TraySeen } from './traySeen.js';
import { buildTrayModel, seenKey } from './trayModel.js';
import { summaryFixture } from './testing/summaryFixture.js';

const home = (): string => mkdtempSync(join(tmpdir(), 'wc-seen-'));

test('seen endings survive a restart: the second app does not flag them again', async (t) => {
  const dir = home();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const state = join(dir, 'state');
  const ended = summaryFixture('done-one', 'done', { endedAt: '2026-11-30T10:00:00Z', pane: null });
  const first = TraySeen.load(state);
  const before = buildTrayModel([ended], 0, undefined, { seen: first.set });
  assert.equal(JSON.stringify(before.menu).includes('done-one'), true, 'a new ending is in the menu');
  await first.add([seenKey(ended)]);

  const again = TraySeen.load(state);
  assert.ok(again.set.has(seenKey(ended)));
  const after = buildTrayModel([ended], 0, undefined, { seen: again.set });
  assert.equal(JSON.stringify(after.menu).includes('done-one'), false, 'a seen ending leaves the menu');
  // 0600 in the 0700 home, and no temp file left behind.
  assert.equal(statSync(join(state, TRAY_SEEN.file)).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(state), [TRAY_SEEN.file]);
  // Resumed and ended again: a new ending, news again.
  assert.equal(again.set.has(seenKey({ ...ended, endedAt: '2026-11-30T11:00:00Z' })), false);
});

test('pruned to the workcells that exist; a torn file is an empty set, not a crash', async (t) => {
  const dir = home();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = TraySeen.load(dir);
  await s.add(['a@1', 'b@2', 'b-c@3']);
  await s.prune(['b', 'b-c']);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, TRAY_SEEN.file), 'utf8')).seen, ['b@2', 'b-c@3']);

  writeFileSync(join(dir, TRAY_SEEN.file), '{"seen": ["x@1"');
  const lines: string[] = [];
  const torn = TraySeen.load(dir, (l) => lines.push(l));
  assert.equal(torn.set.size, 0);
  assert.match(lines.join('\n'), /unreadable/);
});
