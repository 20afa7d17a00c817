import type { Command } from 'commander';
import { Engine } from '../../core/engine.js';
import { fail, printJson, type CommandModule } from '../context.js';
import { age, stateLabel, table, verifyLabel } from '../format.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('ls')
      .alias('list')
      .description('list every workcell with its state (one tmux call for all)')
      .option('--json', 'print JSON')
      .action(async (o: { json?: boolean }) => {
        const { dir, tmux } = ctx();
        const v = await tmux.checkVersion();
        if (!v.ok) return fail(v.error, o.json);
        const r = await new Engine(dir, tmux).list();
        if (!r.ok) return fail(r.error, o.json);
        if (o.json) return printJson(r.value);
        if (r.value.length === 0) {
          process.stderr.write(
            'no workcells yet: workcell start NAME --repo DIR --agent AGENT --objective "..."\n',
          );
          return;
        }
        const rows = [['NAME', 'STATE', 'AGENT', 'AGE', 'VERIFY', 'LAST LINE']];
        for (const w of r.value)
          rows.push([w.name, stateLabel(w), w.agent, age(w.startedAt), verifyLabel(w), w.lastLine]);
        process.stdout.write(`${table(rows)}\n`);
      });
  },
};
