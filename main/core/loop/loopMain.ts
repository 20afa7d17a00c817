// The loop runner's entry: started detached (setsid) by `workcell loop`, with the home in its
// environment. Why a runner of its own and not the daemon: the daemon exits when nothing is live and
// restarts freely (it is disposable by design); a loop must hold its lock for hours across those
// restarts, and one stuck loop must not stall the fleet's notifications. The runner holds
// locks/loop.NAME.json (pid + start time + host), so a second runner is refused, and a runner killed
// anywhere (SIGKILL, reboot) leaves a stale lock and a state.json that `workcell loop --resume`
// continues from. The lock hand-over, first stdout line and runner.log are runnerMain.ts's.
import { LOOP_DEFAULTS, LoopFiles, type LoopState } from './loopState.js';
import { ParallelRunner } from './parallel.js';
import { LoopRunner } from './loopRunner.js';
import { runDetached } from './runnerMain.js';

const name = process.argv[2] ?? '';

await runDetached({
  kind: 'loop',
  logFile: (dir) => new LoopFiles(dir, name).log,
  load: async (dir) => {
    const state = await new LoopFiles(dir, name).readState();
    return state
      ? { ok: true, value: state, repo: state.repo }
      : { ok: false, message: `no loop named ${name}` };
  },
  run: async (state, { dir, engine, notice }) => {
    const files = new LoopFiles(dir, name);
    // The end of a loop the user did not stop (the breaker already told them of itself), posted before
    // the final state is written: a runner killed in between re-posts the same id on resume.
    const onEnd = async (end: LoopState) => {
      if (end.status === 'done' || end.status === 'max_reached')
        await notice({
          name,
          state: end.status === 'done' ? 'done' : 'failed',
          reason: `loop_${end.status}`,
          detail: `${end.statusReason ?? end.status}`,
          id: `loop:${name}:${end.status}:${end.iteration}`,
          at: new Date().toISOString(),
          repo: end.repo,
          startedAt: end.createdAt,
        });
    };
    const runner =
      (state.parallel ?? 1) > 1
        ? new ParallelRunner(engine, files, {
            k: state.parallel!,
            staggerMs: state.staggerMs ?? LOOP_DEFAULTS.staggerMs,
            pollMs: 100,
            onEnd,
          })
        : new LoopRunner(engine, files, {
            onEnd,
            // LoopRunner calls this only when the breaker opens; one notice per opening.
            notify: (detail, s) =>
              notice({
                name,
                state: 'failed',
                reason: 'loop_breaker_open',
                detail,
                id: `loop:${name}:breaker:${s.iteration}`,
                at: new Date().toISOString(),
                repo: s.repo,
                startedAt: s.createdAt,
              }),
          });
    return runner.run();
  },
});
