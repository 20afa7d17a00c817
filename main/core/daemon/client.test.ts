import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlDir } from '../paths.js';
import { DaemonViewer } from './client.js';
import { daemonSocketPath } from './layout.js';

test('a viewer connecting while the daemon is still starting waits for its socket instead of crashing', async () => {
  const dir = new ControlDir(mkdtempSync(join(tmpdir(), 'wc-dv-')));
  mkdirSync(join(dir.root, 'daemon'));
  const server = createServer((s) => s.end(`${JSON.stringify({ type: 'hello', pid: 1, home: dir.root })}\n`));
  try {
    // The daemon starts listening a moment after the viewer first tries (ENOENT, then it is there).
    setTimeout(() => server.listen(daemonSocketPath(dir)), 300);
    const r = await DaemonViewer.connect(dir);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const frame = await new Promise((resolve) => r.value.onFrame.event(resolve));
    assert.deepEqual(frame, { type: 'hello', pid: 1, home: dir.root });
    r.value.close();
  } finally {
    server.close();
    rmSync(dir.root, { recursive: true, force: true });
  }
});
