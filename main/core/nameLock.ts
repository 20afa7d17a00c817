// One command at a time per workcell name (issue 8, D1). Two concurrent `workcell resume` of one
// workcell both archived pass 1 (the second renamed the first's fresh, empty agent.log over
// history/1/agent.log) and both launched tmux (the loser marked the winner's running pass 2
// failed). start, kill, resume and gc of a name now take locks/<name>.lock first; a second command
// gets BUSY at once, never waits behind a kill's grace period or a resume.
// proper-lockfile: the holder refreshes the lock's mtime while it works, so a lock left by a command
// that was SIGKILLed goes stale and is taken over, instead of blocking the name for good.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlDir } from './paths.js';
import { err, type Result } from './result.js';

export const NAME_LOCK = {
  // A live holder refreshes every updateMs; a lock not refreshed for staleMs belongs to a dead
  // command. 10 s (proper-lockfile's default; its minimum is 5 s) leaves room for a holder whose event
  // loop is busy for a few seconds (a kill's process scans) without two commands both holding it.
  staleMs: 10_000,
  updateMs: 2_000,
} as const;

export const busyMessage = (name: string) =>
  `busy: another workcell command is working on ${name}; try again (a lock left by a command that was killed clears within ${NAME_LOCK.staleMs / 1000} s)`;

export const lockPathOf = (dir: ControlDir, name: string) => join(dir.locks, `${name}.lock`);

/** Runs `fn` holding the name's lock; BUSY when another command holds it. `name` must be valid
 * (validateName) before it becomes a path. */
export async function withNameLock<T>(
  dir: ControlDir,
  name: string,
  fn: () => Promise<Result<T>>,
): Promise<Result<T>> {
  // Loaded on first use (it patches fs through graceful-fs): ls and status never pay for it.
  const lockfile = (await import('proper-lockfile')).default;
  let release: () => Promise<void>;
  try {
    await mkdir(dir.locks, { recursive: true, mode: 0o700 });
    release = await lockfile.lock(join(dir.locks, name), {
      lockfilePath: lockPathOf(dir, name),
      realpath: false, // the name need not exist as a file: the lock is the directory beside it
      stale: NAME_LOCK.staleMs,
      update: NAME_LOCK.updateMs,
      retries: 0,
      // The default throws from a timer (an uncaught stack trace). Compromised means our mtime refresh
      // failed for stale/2 (a full or vanished home): the command is nearly done, so it finishes.
      onCompromised: () => undefined,
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') return err('BUSY', busyMessage(name));
    return err(
      'NOT_WRITABLE',
      `cannot take the lock ${lockPathOf(dir, name)} (${code ?? String(e)}): make ${dir.locks} writable or free some disk space`,
    );
  }
  try {
    return await fn();
  } finally {
    // ERELEASED after a compromise (someone took it over): nothing of ours left to remove.
    await release().catch(() => undefined);
  }
}
