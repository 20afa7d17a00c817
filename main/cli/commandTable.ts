// Which command modules a `workcell` run needs. Loading all 22 (and what they import: the engine,
// the daemon client, the dashboard server, the loop and pipeline runners...) cost 0.7-1.8 s on a busy
// machine before any command ran, while one command's module costs ~0.1-0.3 s. So main.ts imports only
// the module of the command named on the command line; the root help, `help`, no command and an
// unknown name (commander's "did you mean") load them all, so their output is unchanged.
import type { CommandModule } from './context.js';

type Loader = () => Promise<{ command: CommandModule }>;

/** In the order the help lists them; each with the top-level names (and aliases) it registers
 * (commandTable.test.ts checks this against what the modules really register). */
export const COMMAND_TABLE: readonly { names: readonly string[]; load: Loader }[] = [
  { names: ['start'], load: () => import('./commands/start.js') },
  { names: ['ls', 'list'], load: () => import('./commands/ls.js') },
  { names: ['status'], load: () => import('./commands/status.js') },
  { names: ['resume'], load: () => import('./commands/resume.js') },
  { names: ['recover'], load: () => import('./commands/recover.js') },
  { names: ['snapshots', 'restore'], load: () => import('./commands/snapshots.js') },
  { names: ['mute'], load: () => import('./commands/mute.js') },
  { names: ['peek'], load: () => import('./commands/peek.js') },
  { names: ['attach'], load: () => import('./commands/attach.js') },
  { names: ['send'], load: () => import('./commands/send.js') },
  { names: ['kill'], load: () => import('./commands/kill.js') },
  { names: ['gc'], load: () => import('./commands/gc.js') },
  { names: ['doctor'], load: () => import('./commands/doctor.js') },
  { names: ['watch'], load: () => import('./commands/watch.js') },
  { names: ['daemon'], load: () => import('./commands/daemon.js') },
  { names: ['session'], load: () => import('./commands/session.js') },
  { names: ['explain'], load: () => import('./commands/explain.js') },
  { names: ['notify'], load: () => import('./commands/notify.js') },
  { names: ['ui'], load: () => import('./commands/ui.js') },
  { names: ['demo'], load: () => import('./commands/demo.js') },
  { names: ['loop'], load: () => import('./commands/loop.js') },
  { names: ['pipeline'], load: () => import('./commands/pipeline.js') },
];

/** The table rows `args` (process.argv without node and the script) needs: the named command's, none
 * for a bare --version, every one otherwise. The root program has no option taking a value, so the
 * first argument not starting with "-" is the command. */
export function rowsFor(args: readonly string[]): typeof COMMAND_TABLE {
  const first = args.find((a) => !a.startsWith('-'));
  const row = first === undefined ? undefined : COMMAND_TABLE.find((r) => r.names.includes(first));
  if (row) return [row];
  if (args.length > 0 && args.every((a) => a === '-V' || a === '--version')) return [];
  return COMMAND_TABLE;
}

/** The modules `args` needs, loaded at once, in table order. */
export async function commandsFor(args: readonly string[]): Promise<CommandModule[]> {
  return (await Promise.all(rowsFor(args).map((r) => r.load()))).map((m) => m.command);
}
