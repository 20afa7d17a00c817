// Where the daemon keeps its files, and the exit codes its keeper reads. Kept apart from daemon.ts so
// that `ls` (which asks "does a daemon watch?") loads none of the supervisor.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ControlDir } from '../paths.js';

export const daemonDir = (dir: ControlDir) => join(dir.root, 'daemon');
export const daemonSocketPath = (dir: ControlDir) => join(daemonDir(dir), 'daemon.sock');

/** Exit codes the keeper reads: 0 = stopped on purpose (idle, asked, home gone); LOCKED = another
 * daemon leads (do not restart); anything else is a crash (restart within the budget). */
export const DAEMON_EXIT = { ok: 0, locked: 3, failed: 1 } as const;

/** The daemon's entry (the keeper), started by ensureDaemon and by the login unit. */
export const DAEMON_MAIN = fileURLToPath(new URL('./daemonMain.js', import.meta.url));
