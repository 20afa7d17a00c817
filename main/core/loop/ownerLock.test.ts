// Loop/pipeline/worktree locks: stale only when the owner is dead, never by age; --force is explicit.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { processStartTime } from '../daemon/leaderLock.js';
import { removeStaleOwnerLocks } from './lockGc.js';
import { makeHome, type TestHome } from '../testing/fixture.js';
import {
  acquireOwner,
  ownerLockPath,
  readOwner,
  releaseOwner,
  staleOwnerLocks,
  type OwnerRecord,
} from './ownerLock.js';

let home: TestHome;
let other: ChildProcess | null = null;

beforeEach(() => {
  home = makeHome('wco-');
  mkdirSync(home.dir.locks, { recursive: true });
});
afterEach(() => {
  other?.kill('SIGKILL');
  other = null;
  home.cleanup();
});

/** A live process that is not us, standing in for another runner. */
function liveOther(): number {
  other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  return other.pid!;
}

function plant(rec: Partial<OwnerRecord> & { pid: number }): void {
  const full: OwnerRecord = {
    kind: 'loop',
    key: 'x',
    startTime: processStartTime(rec.pid),
    host: hostname(),
    startedAt: '2001-01-01T00:00:00.000Z', // ancient on purpose: age alone must never make it stale
    workcell: 'x-3',
    worktree: '/src/app',
    ...rec,
  };
  writeFileSync(ownerLockPath(home.dir, 'loop', 'x'), JSON.stringify(full));
}

test('a live owner keeps its lock however old; the refusal names it', async () => {
  const pid = liveOther();
  plant({ pid });
  const r = await acquireOwner(home.dir, 'loop', 'x');
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.holder.pid, pid);
    assert.equal(r.holder.workcell, 'x-3');
    assert.equal(r.holder.worktree, '/src/app');
  }
  assert.deepEqual(staleOwnerLocks(home.dir, readdirSync(home.dir.locks)), []);
  assert.deepEqual(removeStaleOwnerLocks(home.dir), [], "gc leaves a live owner's lock alone");
});

test('a dead owner (pid gone) or a reused pid (other start time) is stale and taken', async () => {
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.once('exit', r));
  plant({ pid: dead.pid! });
  assert.equal(staleOwnerLocks(home.dir, readdirSync(home.dir.locks)).length, 1);
  assert.deepEqual(
    removeStaleOwnerLocks(home.dir).map((l) => l.lock),
    ['loop.x'],
  );
  assert.equal(readOwner(home.dir, 'loop', 'x'), null, "gc removed the dead owner's lock");
  plant({ pid: dead.pid! });
  const a = await acquireOwner(home.dir, 'loop', 'x');
  assert.ok(a.ok);
  assert.equal(readOwner(home.dir, 'loop', 'x')!.pid, process.pid);

  plant({ pid: liveOther(), startTime: 'not-its-start-time' });
  const b = await acquireOwner(home.dir, 'loop', 'x', { workcell: 'x-4' });
  assert.ok(b.ok);
  assert.equal(readOwner(home.dir, 'loop', 'x')!.workcell, 'x-4');
  releaseOwner(home.dir, 'loop', 'x');
  assert.equal(readOwner(home.dir, 'loop', 'x'), null);
});

test('--force takes a live lock over and says from whom; release leaves a successor alone', async () => {
  const pid = liveOther();
  plant({ pid });
  const r = await acquireOwner(home.dir, 'loop', 'x', { force: true });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.tookOverFrom?.pid, pid);
  plant({ pid }); // the other one takes it back
  releaseOwner(home.dir, 'loop', 'x'); // not ours any more: must not remove it
  assert.equal(readOwner(home.dir, 'loop', 'x')!.pid, pid);
});
