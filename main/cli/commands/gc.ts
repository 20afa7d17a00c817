import type { Command } from 'commander';
import { Engine } from '../../core/engine.js';
import { fail, printJson, type CommandModule } from '../context.js';
import { parseDuration } from '../duration.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('gc')
      .description(
        'close dead sessions whose exit is on disk; with --remove also delete their run directories',
      )
      .option('--older-than <duration>', 'only workcells that ended longer ago than this (30m, 2h, 7d)')
      .option('--remove', 'also delete the run directories of ended workcells (never a running one)')
      .option('--json', 'print JSON')
      .action(async (o: { olderThan?: string; remove?: boolean; json?: boolean }) => {
        const { dir, tmux } = ctx();
        const v = await tmux.checkVersion();
        if (!v.ok) return fail(v.error, o.json);
        let olderThanMs: number | undefined;
        if (o.olderThan !== undefined) {
          const ms = parseDuration(o.olderThan);
          if (ms === null)
            return fail(
              {
                code: 'BAD_ARGS',
                message: `--older-than takes a duration like 30m, 2h or 7d, not ${JSON.stringify(o.olderThan)}`,
              },
              o.json,
            );
          olderThanMs = ms;
        }
        const r = await new Engine(dir, tmux).gc({ olderThanMs, remove: o.remove });
        if (!r.ok) return fail(r.error, o.json);
        if (o.json) return printJson(r.value);
        process.stdout.write(
          `closed ${r.value.closed.length} dead session(s)${o.remove ? `, removed ${r.value.removed.length} run dir(s)` : ''}\n`,
        );
        for (const n of r.value.removed) process.stdout.write(`  removed ${n}\n`);
      });
  },
};
