import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notifiedInTimeline } from './timelineNotified.js';

test('notifiedInTimeline: true only for a notified line of that change and notifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wc-tl-'));
  try {
    assert.equal(notifiedInTimeline(dir, 'a:1:2:done', 'slack'), null, 'no timeline');
    const lines = [
      { type: 'state', state: 'done', at: 'x' },
      { type: 'notified', changeId: 'a:1:2:done', notifier: 'slack', at: 'x' },
      { type: 'notify_failed', changeId: 'a:1:3:failed', notifier: 'slack', at: 'x' },
    ].map((e) => JSON.stringify(e));
    writeFileSync(join(dir, 'events.jsonl'), `${lines.join('\n')}\n{"type":"notified","changeId":"a:1:4`);
    const cases: [string, string, boolean | null][] = [
      ['a:1:2:done', 'slack', true],
      ['a:1:2:done', 'webhook', null],
      ['a:1:3:failed', 'slack', null],
      ['a:1:4:done', 'slack', null],
    ];
    for (const [id, n, want] of cases) assert.equal(notifiedInTimeline(dir, id, n), want, `${id} ${n}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
