import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from './fileLock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('two sections on one lock never overlap; each waits its turn', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wc-lock-'));
  try {
    let inside = 0;
    let most = 0;
    const section = () =>
      withFileLock(dir, { file: '.x.lock' }, async () => {
        inside++;
        most = Math.max(most, inside);
        await sleep(30);
        inside--;
      });
    await Promise.all([section(), section(), section()]);
    assert.equal(most, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock whose folder is removed under it (gc --remove, a removed home) ends the section quietly', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wc-lock-'));
  const dir = join(root, 'run');
  mkdirSync(dir);
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    // staleMs 2000: proper-lockfile refreshes the lock every 1 s and finds it gone (compromised),
    // which it reports by throwing from a timer unless told otherwise.
    const out = await withFileLock(dir, { file: '.status.lock', staleMs: 2000 }, async () => {
      rmSync(dir, { recursive: true, force: true });
      await sleep(1600);
      return 'finished';
    });
    assert.equal(out, 'finished');
    await sleep(200);
    assert.deepEqual(uncaught, []);
  } finally {
    process.off('uncaughtException', onUncaught);
    rmSync(root, { recursive: true, force: true });
  }
});

test('two different locks on one folder, held at once in one process, are released each on its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wc-lock-'));
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    await withFileLock(dir, { file: '.status.lock', staleMs: 2000 }, async () => {
      await withFileLock(dir, { file: '.recovery.lock', staleMs: 2000 }, async () => sleep(50));
      // The inner release must leave the outer lock in place and refreshed.
      await sleep(1300);
    });
    // Both are free again: each can be taken at once.
    await withFileLock(dir, { file: '.status.lock', waitMs: 0 }, async () => undefined);
    await withFileLock(dir, { file: '.recovery.lock', waitMs: 0 }, async () => undefined);
    assert.deepEqual(uncaught, []);
  } finally {
    process.off('uncaughtException', onUncaught);
    rmSync(dir, { recursive: true, force: true });
  }
});
