// The loop runner's entry: started detached (setsid) by `workcell loop`, with the home in its
// environment. Why a runner of its own and not the daemon: the daemon exits when nothing is live and
// restarts freely (it is disposable by design); a loop must hold its lock for hours across those
// restarts, and one stuck loop must not stall the fleet's notifications. The runner holds
// locks/loop.NAME.json (pid + start time + host), so a second runner is refused, and a runner killed
// anywhere (SIGKILL, reboot) leaves a stale lock and a state.json that `workcell loop --resume`
// continues from. Its first stdout line tells the CLI whether it got the lock; after that it writes
// only to loops/NAME/runner.log (the CLI has gone).
import { appendFileSync } from 'node:fs';
import { Engine } from '../engine.js';
import { ControlDir } from '../paths.js';
import { Tmux } from '../tmux.js';
import { LOOP_DEFAULTS, LoopFiles } from './loopState.js';
import { ParallelRunner } from './parallel.js';
import { LoopRunner } from './loopRunner.js';
import { acquireOwner, describeOwner, releaseOwner } from './ownerLock.js';
import { userNotifier } from './notifyUser.js';

const name = process.argv[2] ?? '';
const dir = ControlDir.fromEnv();
const files = new LoopFiles(dir, name);
const log = (line: string) => {
  try {
    appendFileSync(files.log, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
  } catch {
    // the loop dir is gone (removed under us): nowhere left to say it
  }
};

const handover = Number(process.env.WORKCELL_LOOP_HANDOVER);
const state = await files.readState();
const lock = state
  ? await acquireOwner(dir, 'loop', name, {
      handoverFrom: Number.isFinite(handover) ? handover : undefined,
      worktree: state.repo,
    })
  : null;
if (!state || !lock || !lock.ok) {
  const message = !state
    ? `no loop named ${name}`
    : `loop ${name} is already running (${describeOwner((lock as { holder: Parameters<typeof describeOwner>[0] }).holder)})`;
  process.stdout.write(`${JSON.stringify({ ok: false, message })}\n`);
  process.exitCode = 5;
} else {
  process.stdout.write(`${JSON.stringify({ ok: true, pid: process.pid })}\n`);
  log(`runner ${process.pid} holds loop ${name}`);
  const engine = new Engine(dir, new Tmux(dir.socket, dir.tmuxConf));
  const notice = userNotifier(dir, log);
  const next = `workcell loop --status ${name}`;
  const runner =
    (state.parallel ?? 1) > 1
      ? new ParallelRunner(engine, files, {
          k: state.parallel!,
          staggerMs: state.staggerMs ?? LOOP_DEFAULTS.staggerMs,
          pollMs: 100,
        })
      : new LoopRunner(engine, files, {
          // LoopRunner calls this only when the breaker opens.
          notify: (title, body) =>
            notice({
              name,
              state: 'failed',
              reason: 'loop_breaker_open',
              title,
              body,
              next,
              id: `loop:${name}:breaker:${new Date().toISOString()}`,
              at: new Date(),
            }),
        });
  const stop = () => {
    releaseOwner(dir, 'loop', name);
    process.exit(143);
  };
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => undefined); // setsid: no terminal to lose, but ignore a stray hang-up
  try {
    const end = await runner.run();
    log(`loop ${name} ${end.status}${end.statusReason ? `: ${end.statusReason}` : ''}`);
    // The end of a loop the user did not stop (the breaker already told them of itself).
    if (end.status === 'done' || end.status === 'max_reached')
      await notice({
        name,
        state: end.status === 'done' ? 'done' : 'failed',
        reason: `loop_${end.status}`,
        title: `loop ${name} ${end.status === 'done' ? 'finished' : 'stopped at its maximum'}`,
        body: `${end.statusReason ?? end.status}.`,
        next,
        id: `loop:${name}:${end.status}:${end.updatedAt}`,
        at: new Date(),
      });
  } catch (e) {
    log(`runner failed (a bug, please report it): ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    releaseOwner(dir, 'loop', name);
  }
}
