import type { Command } from 'commander';
import { fail, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('watch')
      .description(
        'supervise every workcell in the foreground (headless, e.g. on a server over SSH); one line per event',
      )
      .option('--json', 'one JSON object per line instead of text')
      .action(async (o: { json?: boolean }) => {
        const { dir, tmux } = ctx();
        const stamp = () => new Date().toISOString();
        const log = (line: string) => {
          if (o.json) process.stdout.write(`${JSON.stringify({ at: stamp(), type: 'log', line })}\n`);
          else process.stderr.write(`${stamp()} ${line}\n`);
        };
        // Loaded here, not at the top: `ls` and friends must not pay for the supervisor's modules.
        const { Supervisor } = await import('../../core/supervisor/supervisor.js');
        const r = await Supervisor.start({ dir, tmux, log: o.json ? undefined : log });
        if (!r.ok) return fail(r.error, o.json);
        const sup = r.value;
        if (o.json) {
          sup.on('log', log);
          sup.on('state', (c) => {
            const { summary: _s, excerpt: _e, ...rest } = c;
            process.stdout.write(`${JSON.stringify({ type: 'state', ...rest })}\n`);
          });
        }
        process.stderr.write(
          `${stamp()} watching ${sup.snapshot().length} workcell(s) on ${dir.socket} (Ctrl-C to stop)\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = (sig: string) => {
            process.stderr.write(`${stamp()} ${sig}: stopping\n`);
            void sup.stop().then(resolve);
          };
          process.once('SIGINT', () => stop('SIGINT'));
          process.once('SIGTERM', () => stop('SIGTERM'));
        });
      });
  },
};
