// opencode's id capture from files shaped like opencode 1.18.33 writes them (the log line is copied from
// a real run against the conformance mock; realOpencodeCapture.test.ts runs the real CLI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opencodeCapture } from './opencodeStore.js';

const line = (id: string, dir: string, created: number, parent = 'undefined') =>
  `timestamp=2026-11-30T19:18:07.861Z level=INFO run=a702c895 message=created id=${id} slug=clever-otter version=1.18.33 projectID=global directory=${dir} path=${dir.slice(1)} workspaceID=undefined parentID=${parent} title="New session - 2026-11-30T19:18:07.861Z" agent=undefined model=undefined cost=0 time.created=${created} time.updated=${created}\n`;

test('opencode capture from its log (no sqlite3): newest top-level session of this repo since the start', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wc-oc-'));
  try {
    const data = join(root, 'data', 'opencode');
    mkdirSync(join(data, 'log'), { recursive: true });
    const repo = '/work/my repo';
    const t = 1_796_066_287_861;
    writeFileSync(
      join(data, 'log', 'opencode.log'),
      line('ses_old', repo, t - 60_000) +
        line('ses_other', '/elsewhere', t + 1) +
        line('ses_mine', repo, t + 10) +
        line('ses_child', repo, t + 20, 'ses_mine') +
        'timestamp=... level=INFO message=loop session.id=ses_mine step=0\n',
    );
    const env = { HOME: root, XDG_DATA_HOME: join(root, 'data'), PATH: '/nonexistent' };
    const since = new Date(t);
    assert.equal((await opencodeCapture({ cwd: repo, since, env }))?.id, 'ses_mine');
    assert.equal(await opencodeCapture({ cwd: repo, since, env, taken: new Set(['ses_mine']) }), null);
    assert.equal(await opencodeCapture({ cwd: '/none', since, env }), null);
    // A legacy store (older opencode) is read first.
    mkdirSync(join(data, 'storage', 'session', 'p1'), { recursive: true });
    writeFileSync(
      join(data, 'storage', 'session', 'p1', 'ses_legacy.json'),
      JSON.stringify({ id: 'ses_legacy', directory: repo, time: { created: t + 5 } }),
    );
    assert.equal((await opencodeCapture({ cwd: repo, since, env }))?.id, 'ses_legacy');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
