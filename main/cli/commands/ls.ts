import type { Command } from 'commander';
import { isEnded } from '../../common/workcell.js';
import { engineFor, fail, printJson, warnIfUnsupervised, type CommandModule } from '../context.js';
import { age, stateLabel, table, verifyLabel } from '../format.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('ls')
      .alias('list')
      .description('list every workcell with its state (one tmux call for all)')
      .option('--json', 'print JSON')
      .action(async (o: { json?: boolean }) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        const { settingsProblem } = await import('../../core/settingsProblem.js');
        const problem = await settingsProblem(c.dir, { cacheValid: true });
        if (problem) process.stderr.write(`workcell: warning: ${problem.message}\n`);
        const r = await c.engine.list();
        if (!r.ok) return fail(r.error, o.json);
        await warnIfUnsupervised(
          c.dir,
          r.value.some((w) => !isEnded(w.state)),
        );
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
