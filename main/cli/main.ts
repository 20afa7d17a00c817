// The `workcell` command: one file per command in ./commands, data to stdout, diagnostics to stderr.
import { Command, CommanderError } from 'commander';
import { makeContext, type CliContext, type CommandModule } from './context.js';
import { command as start } from './commands/start.js';
import { command as ls } from './commands/ls.js';
import { command as status } from './commands/status.js';
import { command as peek } from './commands/peek.js';
import { command as attach } from './commands/attach.js';
import { command as kill } from './commands/kill.js';
import { command as send } from './commands/send.js';
import { command as gc } from './commands/gc.js';
import { command as doctor } from './commands/doctor.js';
import { command as watch } from './commands/watch.js';
import { command as explain } from './commands/explain.js';
import { command as notify } from './commands/notify.js';
import { command as ui } from './commands/ui.js';
import { command as resume } from './commands/resume.js';
import { command as mute } from './commands/mute.js';
import { command as demo } from './commands/demo.js';
import { command as daemon } from './commands/daemon.js';
import { command as loop } from './commands/loop.js';
import { command as pipeline } from './commands/pipeline.js';
import { command as session } from './commands/session.js';
import { command as recover } from './commands/recover.js';
import { command as snapshots } from './commands/snapshots.js';

const COMMANDS: CommandModule[] = [
  start,
  ls,
  status,
  resume,
  recover,
  snapshots,
  mute,
  peek,
  attach,
  send,
  kill,
  gc,
  doctor,
  watch,
  daemon,
  session,
  explain,
  notify,
  ui,
  demo,
  loop,
  pipeline,
];

export function buildProgram(): Command {
  const program = new Command('workcell')
    .description('Run coding agents in durable tmux workcells and watch them without attaching.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  let ctx: CliContext | undefined;
  const getCtx = () => (ctx ??= makeContext());
  for (const c of COMMANDS) c.register(program, getCtx);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
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
