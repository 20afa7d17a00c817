// `npm run bench`: prints the figures the issues ask for. Not a test: nothing here fails on a slow
// machine; the numbers go in the notes. Run one part with `npm run bench -- ls`.
import { benchLs } from './ls.js';
import { benchPeek } from './peek.js';
import { benchDaemon } from './daemon.js';
import { benchRecovery } from './recovery.js';
import { benchResources } from './resources.js';
import { benchLoop, benchStart } from './start.js';

const parts: Record<string, () => Promise<unknown>> = {
  ls: () => benchLs(),
  peek: () => benchPeek(),
  // `npm run bench -- daemon` (100 and 500); WORKCELL_BENCH_COUNTS=100 for one size.
  daemon: () => benchDaemon((process.env.WORKCELL_BENCH_COUNTS ?? '100,500').split(',').map(Number)),
  // `npm run bench -- recovery`: reset -> working again, recover -> rewritten brief (WORKCELL_BENCH_RUNS).
  recovery: () => benchRecovery(),
  // `npm run bench -- start`: engine.start's wait and process count, CLI start/resume -> agent running.
  start: () => benchStart(),
  // `npm run bench -- loop`: a loop's overhead per iteration beyond the agent and its finisher.
  loop: () => benchLoop(),
  // `npm run bench -- resources`: the daemon's CPU while sampling CPU and memory of 100 workcells.
  resources: () => benchResources(),
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(parts)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  await run();
}
