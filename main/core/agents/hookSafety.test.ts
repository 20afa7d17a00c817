import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insecureParent } from './hookSafety.js';

test('insecureParent names the nearest folder others may write to, and nothing for a safe chain', () => {
  const root = mkdtempSync(join(tmpdir(), 'wc-hooksafe-'));
  try {
    chmodSync(root, 0o700);
    const open = join(root, 'open');
    mkdirSync(join(open, 'home', 'runs'), { recursive: true });
    chmodSync(open, 0o777);
    chmodSync(join(open, 'home'), 0o700);
    assert.equal(insecureParent(join(open, 'home', 'runs', 'not-yet')), open);
    chmodSync(open, 0o755);
    // Above root: the temp folder itself (sticky /tmp is still "insecure" to gemini) or nothing.
    const above = insecureParent(tmpdir());
    assert.equal(insecureParent(join(open, 'home', 'runs')), above);
    assert.equal(insecureParent('/usr/bin'), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
