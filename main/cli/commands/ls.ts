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
        const r = await c.engine.listing();
        if (!r.ok) return fail(r.error, o.json);
        const { workcells, problems } = r.value;
        await warnIfUnsupervised(
          c.dir,
          workcells.some((w) => !isEnded(w.state)),
        );
        // A broken run dir or a ghost session is listed with its reason (state `broken` / `ghost`)
        // beside the others, never in their way; what to do goes to stderr.
        for (const p of problems)
          process.stderr.write(`workcell: ${p.name} is ${p.state}: ${p.reason}; ${p.fix}\n`);
        if (o.json) return printJson([...workcells, ...problems]);
        if (workcells.length + problems.length === 0) {
          process.stderr.write(
            'no workcells yet: workcell start NAME --repo DIR --agent AGENT --objective "..."\n',
          );
          return;
        }
        const rows = [['NAME', 'STATE', 'AGENT', 'AGE', 'VERIFY', 'LAST LINE']];
        for (const w of workcells)
          rows.push([w.name, stateLabel(w), w.agent, age(w.startedAt), verifyLabel(w), w.lastLine]);
        for (const p of problems) rows.push([p.name, p.state, '-', '-', '-', p.reason]);
        process.stdout.write(`${table(rows)}\n`);
      });
  },
};
