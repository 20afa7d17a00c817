// Exec'd by wrap.sh inside the pane once the agent has exited and exit.json is on disk. Finishes the
// run (verify, git summary, handoff), wakes the supervisor, and exits with the agent's own code so
// tmux's #{pane_dead_status} tells the same story as exit.json.
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ControlDir } from '../paths.js';
import { RunStore } from '../runStore.js';
import { finalize, killRunningVerifies } from '../finish.js';

async function main(): Promise<void> {
  const runDir = process.argv[2];
  if (!runDir) {
    process.stderr.write('usage: finishMain RUNDIR [CODE [PASS]]\n');
    process.exit(2);
  }
  const dir = new ControlDir(dirname(dirname(runDir)));
  const store = new RunStore(dir);
  const name = basename(runDir);
  // verify.sh runs in a process group of its own (so its timeout can end all of it): the pane's
  // hangup (a killed tmux server), a Ctrl-C in the pane or kill's TERM reach only this process, so
  // they end the check with it, as they did when it shared our group.
  for (const [sig, n] of [
    ['SIGHUP', 1],
    ['SIGINT', 2],
    ['SIGTERM', 15],
  ] as const)
    process.on(sig, () => {
      killRunningVerifies();
      process.exit(128 + n);
    });
  let code = 1;
  try {
    const fromWrapper = Number(process.argv[3]);
    code = Number.isInteger(fromWrapper) ? fromWrapper : 1;
    const exit = await store.readExit(name);
    code = exit?.exitCode ?? code;
    // The wrapper's pass (argv 4; absent from a wrapper written by an older version): a finisher that
    // outlived its pane (a killed tmux server) must not finish a pass resumed meanwhile.
    const pass = Number(process.argv[4]);
    await finalize(dir, store, name, process.stdout, Number.isInteger(pass) && pass > 0 ? { pass } : {});
  } catch (e) {
    // A full disk or a broken run dir: the exit record is already on disk from the wrapper; say so.
    process.stderr.write(`[workcell] could not finish the run: ${(e as Error).message}\n`);
  }
  // Wake the supervisor (a completion may be waiting for this verify result) the way the wrapper
  // does: a marker in exits/, no tmux client. A full disk or a removed home: it finds out on its next look.
  try {
    writeFileSync(join(dir.exits, name), '');
  } catch {
    // see above
  }
  process.exit(code > 255 ? 1 : code);
}

void main();
