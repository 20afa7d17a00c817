// A small real filesystem for disk-full tests: a tmpfs mounted over a directory. Mounting needs root
// (or a user namespace we do not set up); where it cannot mount, the same rule as testing/tools.ts:
// locally the test skips with one line, under CI=true it fails, so CI never goes green by skipping.
import { execFileSync } from 'node:child_process';

/** Mounts a tmpfs of `size` (e.g. "2m") on `dir` (an existing, empty directory). null when mounted;
 * otherwise, locally, the one line to skip with; under CI=true it throws that line. */
export function mountTmpfs(
  what: string,
  dir: string,
  size: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (e) {
    const why = ((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim().split('\n')[0];
    const line = `${what}: cannot mount a tmpfs (${why}); run as root where mount -t tmpfs works`;
    if (env.CI === 'true') throw new Error(`${line}, and CI=true requires it`, { cause: e });
    return `${line} (skipped)`;
  }
}

/** Unmounts it; lazily, so a process that still holds a file there cannot leave the mount behind. */
export function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // not mounted (the mount was refused, or already gone)
  }
}
