// The full-disk notice, on a real full filesystem: a 1 MB tmpfs filled until ENOSPC says so, and says
// nothing once there is room again. Skips with one line where tmpfs cannot be mounted (fails on CI).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlDir } from '../paths.js';
import { mountTmpfs, unmount } from '../testing/tmpfs.js';
import { diskFull, fleetNotices } from './fleetNotices.js';

let root: string;
let skip: string | null = null;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'wcfn-'));
  skip = mountTmpfs('full-disk notice test', root, '1m');
});
after(() => {
  unmount(root);
  rmSync(root, { recursive: true, force: true });
});

test('a full disk under the home is a notice; with room again it is gone', async (t) => {
  if (skip) return t.skip(skip);
  const dir = new ControlDir(root);
  assert.equal(await diskFull(dir), null);
  const fill = join(root, 'fill');
  writeFileSync(fill, '');
  const chunk = Buffer.alloc(64 * 1024);
  assert.throws(() => {
    for (;;) appendFileSync(fill, chunk);
  }, /ENOSPC/);
  const n = await fleetNotices(dir, []);
  assert.match(n.disk ?? '', /^The disk holding .* is full \(\d+ kB free\).*Free some disk space\.$/);
  rmSync(fill);
  assert.equal((await fleetNotices(dir, [])).disk, null);
});
