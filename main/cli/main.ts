// The `workcell` command: one file per command in ./commands, loaded only when its command runs
// (commandTable.ts), data to stdout, diagnostics to stderr.
import { Command, CommanderError } from 'commander';
import { commandsFor } from './commandTable.js';
import type { CliContext, CommandModule } from './context.js';

/** The program with `commands` registered (commandTable.ts: only the one the command line names). */
export function buildProgram(commands: readonly CommandModule[], makeContext: () => CliContext): Command {
  const program = new Command('workcell')
    .description('Run coding agents in durable tmux workcells and watch them without attaching.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  let ctx: CliContext | undefined;
  const getCtx = () => (ctx ??= makeContext());
  for (const c of commands) c.register(program, getCtx);
  return program;
}

try {
  const commands = await commandsFor(process.argv.slice(2));
  // The context module loads the engine: not for a bare --version (every command module loads it).
  const { makeContext } = commands.length
    ? await import('./context.js')
    : {
        makeContext: (): CliContext => {
          throw new Error('no command was loaded, so no command can ask for a context');
        },
      };
  await buildProgram(commands, makeContext).parseAsync(process.argv);
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
