// Entry of the supervisor daemon, started detached (its own session, setsid) by `workcell daemon
// start` and by every command that starts work, so it survives SSH drops, closed terminals, the app
// quitting and a killed tmux server, like the agents do.
//   daemonMain.js            the keeper: runs the daemon and restarts it after a crash, within a budget
//   daemonMain.js --child    the daemon itself
// WORKCELLS_HOME names the control directory (environment, not argv: nothing to read in /proc).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ControlDir } from '../paths.js';
import { DaemonLog, daemonLogPath } from './daemonLog.js';
import { DAEMON_EXIT } from './layout.js';
import { liveLeader } from './leaderLock.js';

export const KEEPER = {
  // Crashes tolerated in the window before the keeper gives up (and says so in the log): a daemon that
  // crashes on every start must not spin; one that crashes once a day must always come back.
  maxRestarts: 5,
  windowMs: 10 * 60_000,
  // Wait before restart n (1-based): 1 s, 2 s, 4 s, ... capped at 30 s.
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
} as const;

const dir = ControlDir.fromEnv();
// WORKCELL_DAEMON_STAY=1 (the login unit, see loginUnit.ts): never leave for lack of work.
const idleExitMs =
  process.env.WORKCELL_DAEMON_STAY === '1'
    ? Infinity
    : Number(process.env.WORKCELL_DAEMON_IDLE_EXIT_MS) || undefined;

if (process.argv.includes('--child')) {
  const log = new DaemonLog(daemonLogPath(dir));
  process.on('uncaughtException', (e) => {
    log.write(`crashed: ${e.stack ?? String(e)}`);
    process.exit(DAEMON_EXIT.failed);
  });
  process.on('unhandledRejection', (e) => {
    log.write(`crashed (unhandled rejection): ${(e as Error)?.stack ?? String(e)}`);
    process.exit(DAEMON_EXIT.failed);
  });
  const keeperPid = Number(process.env.WORKCELL_KEEPER_PID) || null;
  // Loaded only in the daemon: the keeper stays a small process that only restarts it.
  const { runDaemon } = await import('./daemon.js');
  process.exitCode = await runDaemon({ dir, keeperPid, idleExitMs });
  process.exit(); // sockets or timers of a notifier must not keep a stopped daemon alive
} else {
  await keep();
}

async function keep(): Promise<void> {
  const log = new DaemonLog(daemonLogPath(dir));
  const crashes: number[] = [];
  let child: ReturnType<typeof spawn> | null = null;
  let stopping = false;
  const forward = (sig: NodeJS.Signals) => {
    stopping = true;
    child?.kill(sig);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => forward(sig));
  for (;;) {
    const code = await new Promise<number | null>((resolve) => {
      child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
        env: { ...process.env, WORKCELL_KEEPER_PID: String(process.pid) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // A crash before our logger runs (a module that fails to load) still reaches the log.
      child.stderr?.on('data', (b: Buffer) => log.write(`daemon stderr: ${String(b).trimEnd()}`));
      child.on('error', () => resolve(DAEMON_EXIT.failed));
      child.on('exit', (c, sig) => resolve(sig ? null : c));
    });
    child = null;
    if (stopping || code === DAEMON_EXIT.ok || code === DAEMON_EXIT.locked) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length && now - crashes[0]! > KEEPER.windowMs) crashes.shift();
    if (crashes.length > KEEPER.maxRestarts) {
      log.write(
        `keeper: the daemon crashed ${crashes.length} times in ${KEEPER.windowMs / 60_000} min; giving up (see above; \`workcell daemon start\` tries again)`,
      );
      process.exitCode = 1;
      return;
    }
    const delay = Math.min(KEEPER.maxDelayMs, KEEPER.firstDelayMs * 2 ** (crashes.length - 1));
    log.write(
      `keeper: the daemon ended (${code === null ? 'killed by a signal' : `exit ${code}`}); restarting in ${delay / 1000}s`,
    );
    await new Promise((r) => setTimeout(r, delay));
    if (stopping) return;
    // Another daemon took the lead meanwhile (a `daemon start` that found none): leave it be.
    if (liveLeader(dir)) return;
  }
}
