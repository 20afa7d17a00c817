import type { Command } from 'commander';
import { Engine } from '../../core/engine.js';
import { fail, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('peek')
      .description('print the current screen (or the last N lines) without attaching')
      .argument('<name>')
      .option('-n, --lines <n>', 'the last N lines, including scrollback')
      .option('--ansi', 'keep colours and attributes (escape sequences)')
      .action(async (name: string, o: { lines?: string; ansi?: boolean }) => {
        const { dir, tmux } = ctx();
        const v = await tmux.checkVersion();
        if (!v.ok) return fail(v.error);
        const lines = o.lines === undefined ? undefined : Number(o.lines);
        if (lines !== undefined && (!Number.isInteger(lines) || lines <= 0)) {
          return fail({
            code: 'BAD_ARGS',
            message: `--lines takes a whole number above 0, not ${JSON.stringify(o.lines)}`,
          });
        }
        const r = await new Engine(dir, tmux).peek(name, { lines, ansi: o.ansi });
        if (!r.ok) return fail(r.error);
        process.stdout.write(r.value);
      });
  },
};
