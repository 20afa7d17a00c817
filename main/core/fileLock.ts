// One locked section over a folder, shared by every read-modify-write of a run dir's records
// (status.json, recovery.json) and of a named session. proper-lockfile does the locking; this adds
// the wait (it is told retries: 0 and we back off ourselves, with a deadline) and one safety: a lock
// whose file was removed under it (the run dir deleted by `gc --remove`, the home removed) is
// "compromised", which proper-lockfile reports by THROWING from a timer by default: an uncaught
// exception that ended the daemon. Here it is noted, the section's own I/O fails on its own, and the
// release is skipped.
import { join } from 'node:path';

export const FILE_LOCK = { staleMs: 10_000, waitMs: 10_000, stepMs: { min: 5, max: 50 } } as const;

export interface FileLockOptions {
  /** The lock file's name inside `dir` (e.g. '.status.lock'). */
  file: string;
  waitMs?: number;
  /** A holder silent this long is taken to be dead (its lock is refreshed at half of it). */
  staleMs?: number;
}

/** Runs `fn` holding the lock `dir/file`; waits up to `waitMs` for another holder (then throws
 * ELOCKED). Never throws from a timer. */
export async function withFileLock<T>(dir: string, o: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  // Loaded on first use (it patches fs through graceful-fs, ~100 ms): readers never pay for it.
  const lockfile = (await import('proper-lockfile')).default;
  let compromised = false;
  const opts = {
    stale: o.staleMs ?? FILE_LOCK.staleMs,
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
  const deadline = Date.now() + (o.waitMs ?? FILE_LOCK.waitMs);
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
