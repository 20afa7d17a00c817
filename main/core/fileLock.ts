// One locked section over a folder, shared by every read-modify-write of a run dir's records
// (status.json, recovery.json) and of a named session. proper-lockfile does the locking; this adds
// the wait (it is told retries: 0 and we back off ourselves, with a deadline) and one safety: a lock
// whose file was removed under it (the run dir deleted by `gc --remove`, the home removed) is
// "compromised", which proper-lockfile reports by THROWING from a timer by default: an uncaught
// exception that ended the daemon. Here it is noted, the section's own I/O fails on its own, and the
// release is skipped.
//
// The wait outlasts the stale time. A holder that died holding the lock (a finisher SIGKILLed by a
// resume's or kill's terminate after its 3 s grace, starved at nice 19 on a loaded machine, between
// taking the status lock and giving it back) leaves the lock directory behind, and it is taken over
// only once its mtime is `stale` old. That mtime can be up to ~1 s AHEAD of the moment it was taken:
// proper-lockfile's first lock in a process stamps it with the next whole second (its mtime-precision
// probe), and on a whole-second filesystem every refresh is rounded up too. With the wait equal to the
// stale time (both 10 s), a waiter that began just after such a death gave up a moment before the lock
// could be declared stale: ELOCKED "Lock file is already being held" with no live holder at all (the
// resume after a usage limit, relaunchConfirm.test). So a waiter gives up only after any lock it found
// could have gone stale: the stale time plus STALE_SLACK_MS. A live holder refreshes its lock at half
// the stale time and is never taken over; holders keep their sections to a small file's
// read-modify-write, so nobody waits that long behind a live one.
import { join } from 'node:path';

/** How much longer than `stale` a waiter keeps trying: the up-to-1 s-ahead mtime (above), the last
 * back-off step, and the stat, rmdir and mkdir of the takeover on a loaded machine. */
export const STALE_SLACK_MS = 2_000;

export const FILE_LOCK = {
  staleMs: 10_000,
  waitMs: 10_000 + STALE_SLACK_MS,
  stepMs: { min: 5, max: 50 },
} as const;

export interface FileLockOptions {
  /** The lock file's name inside `dir` (e.g. '.status.lock'). */
  file: string;
  /** How long to wait for another holder before ELOCKED. Default: `staleMs` + STALE_SLACK_MS, so a
   * lock left by a holder that died is always taken over rather than reported as held. */
  waitMs?: number;
  /** A holder silent this long is taken to be dead (its lock is refreshed at half of it). */
  staleMs?: number;
}

/** The stale time and the wait of a lock with options `o` (the wait by default outlasts the stale time). */
export function lockTimes(o: Pick<FileLockOptions, 'waitMs' | 'staleMs'>): {
  staleMs: number;
  waitMs: number;
} {
  const staleMs = o.staleMs ?? FILE_LOCK.staleMs;
  return { staleMs, waitMs: o.waitMs ?? staleMs + STALE_SLACK_MS };
}

/** Runs `fn` holding the lock `dir/file`; waits up to `waitMs` for another holder (then throws
 * ELOCKED). Never throws from a timer. */
export async function withFileLock<T>(dir: string, o: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  // Loaded on first use (it patches fs through graceful-fs, ~100 ms): readers never pay for it.
  const lockfile = (await import('proper-lockfile')).default;
  let compromised = false;
  const times = lockTimes(o);
  const opts = {
    stale: times.staleMs,
    retries: 0,
    lockfilePath: join(dir, o.file),
    // The lock is keyed by its own file, not by `dir`: proper-lockfile keeps one table entry per
    // locked path, so two locks on one run dir (status and recovery) held at once in one process
    // shared an entry and one release tore down the other's ("Lock is already released", then a
    // crash in its refresh timer).
    realpath: false,
    onCompromised: () => {
      compromised = true;
    },
  };
  const deadline = Date.now() + times.waitMs;
  let step: number = FILE_LOCK.stepMs.min;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(join(dir, o.file), opts);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, step));
      step = Math.min(step * 2, FILE_LOCK.stepMs.max);
    }
  }
  try {
    return await fn();
  } finally {
    if (!compromised) {
      await release().catch(() => {
        // removed between the check and the release: nothing is left to release
      });
    }
  }
}
