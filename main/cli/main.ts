// The `workcell` command: one file per command in ./commands, data to stdout, diagnostics to stderr.
import { Command, CommanderError } from 'commander';
import { makeContext, type CliContext, type CommandModule } from './context.js';

// Each command's module, by the names it registers, in help order. Loaded on demand: importing every
// one (most of the core: supervisor, bridge, loops) cost ~1.8 s before a `workcell recover` could act at
// load 15, against ~0.2 s for its own module. A named command loads only its module; anything else (help,
// --version, a typo commander suggests a fix for) loads them all.
const COMMANDS: [string[], () => Promise<{ command: CommandModule }>][] = [
  [['start'], () => import('./commands/start.js')],
  [['ls', 'list'], () => import('./commands/ls.js')],
  [['status'], () => import('./commands/status.js')],
  [['resume'], () => import('./commands/resume.js')],
  [['recover'], () => import('./commands/recover.js')],
  [['snapshots', 'restore'], () => import('./commands/snapshots.js')],
  [['mute'], () => import('./commands/mute.js')],
  [['peek'], () => import('./commands/peek.js')],
  [['attach'], () => import('./commands/attach.js')],
  [['send'], () => import('./commands/send.js')],
  [['kill'], () => import('./commands/kill.js')],
  [['gc'], () => import('./commands/gc.js')],
  [['doctor'], () => import('./commands/doctor.js')],
  [['watch'], () => import('./commands/watch.js')],
  [['daemon'], () => import('./commands/daemon.js')],
  [['session'], () => import('./commands/session.js')],
  [['explain'], () => import('./commands/explain.js')],
  [['notify'], () => import('./commands/notify.js')],
  [['ui'], () => import('./commands/ui.js')],
  [['demo'], () => import('./commands/demo.js')],
  [['loop'], () => import('./commands/loop.js')],
  [['pipeline'], () => import('./commands/pipeline.js')],
];

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('workcell')
    .description('Run coding agents in durable tmux workcells and watch them without attaching.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  let ctx: CliContext | undefined;
  const getCtx = () => (ctx ??= makeContext());
  const named = COMMANDS.find(([names]) => names.includes(argv[2] ?? ''));
  const modules = await Promise.all((named ? [named] : COMMANDS).map(([, load]) => load()));
  for (const m of modules) m.command.register(program, getCtx);
  return program;
}

try {
  await (await buildProgram()).parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Usage errors were already printed by commander; help and --version exit 0.
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(
      `workcell: unexpected error (a bug, please report it): ${(e as Error).stack ?? String(e)}\n`,
    );
    process.exitCode = 1;
  }
}
