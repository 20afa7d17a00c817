import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, mkdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FILE_LOCK, lockTimes, withFileLock } from './fileLock.js';

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

test('a waiter outlasts the stale time: a lock whose holder died is always taken over before it gives up', () => {
  // The lock's mtime can be ~1 s ahead of when it was taken (proper-lockfile stamps a process's first
  // lock with the next whole second), so it goes stale up to stale + 1 s after it was taken. The old
  // wait was exactly the stale time (10 s and 10 s): ELOCKED with no live holder.
  assert.ok(
    FILE_LOCK.waitMs >= FILE_LOCK.staleMs + 1_500,
    `wait ${FILE_LOCK.waitMs} vs stale ${FILE_LOCK.staleMs}`,
  );
  for (const staleMs of [undefined, 2_000, 30_000]) {
    const t = lockTimes({ staleMs });
    assert.ok(t.waitMs >= t.staleMs + 1_500, `stale ${t.staleMs}: wait ${t.waitMs}`);
  }
  // An explicit wait is the caller's (0: "only if free now").
  assert.equal(lockTimes({ waitMs: 0 }).waitMs, 0);
});

test('a holder SIGKILLed right after taking the lock (a starved finisher a resume killed): the next waiter takes it over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wc-lock-'));
  try {
    const lockJs = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'fileLock.js')).href;
    // A separate process, as the finisher is: its first lock gets proper-lockfile's probed mtime.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { withFileLock } = await import(${JSON.stringify(lockJs)});
         await withFileLock(${JSON.stringify(dir)}, { file: '.status.lock', staleMs: 2000 }, async () => {
           process.kill(process.pid, 'SIGKILL');
           await new Promise(() => {});
         });`,
      ],
      { stdio: 'ignore', timeout: 20_000 },
    );
    assert.equal(child.signal, 'SIGKILL');
    const lock = join(dir, '.status.lock');
    assert.ok(existsSync(lock), 'a SIGKILLed holder leaves its lock behind');
    // The worst case of that probe: stamped a whole second ahead of now.
    const ahead = new Date(Date.now() + 1_000);
    utimesSync(lock, ahead, ahead);
    const t0 = Date.now();
    const out = await withFileLock(dir, { file: '.status.lock', staleMs: 2000 }, async () => 'taken over');
    assert.equal(out, 'taken over');
    // Taken over as stale (about 3 s here), not before: a live holder would still have had it.
    assert.ok(Date.now() - t0 >= 2_500, `took ${Date.now() - t0} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
