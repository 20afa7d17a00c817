import type { Command } from 'commander';
import { engineFor, fail, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('peek')
      .description('print the current screen (or the last N lines) without attaching')
      .argument('<name>')
      .option('-n, --lines <n>', 'the last N lines, including scrollback')
      .option('--ansi', 'keep colours and attributes (escape sequences)')
      .action(async (name: string, o: { lines?: string; ansi?: boolean }) => {
        const c = await engineFor(ctx);
        if (!c) return;
        const lines = o.lines === undefined ? undefined : Number(o.lines);
        if (lines !== undefined && (!Number.isInteger(lines) || lines <= 0)) {
          return fail({
            code: 'BAD_ARGS',
            message: `--lines takes a whole number above 0, not ${JSON.stringify(o.lines)}`,
          });
        }
        const r = await c.engine.peek(name, { lines, ansi: o.ansi });
        if (!r.ok) return fail(r.error);
        process.stdout.write(r.value);
      });
  },
};
