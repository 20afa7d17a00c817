import type { Command } from 'commander';
import { isEnded } from '../../common/workcell.js';
import { engineFor, fail, printJson, warnIfUnsupervised, type CommandModule } from '../context.js';
import { renderLs, wantsColor } from '../lsTable.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('ls')
      .alias('list')
      .description('list every workcell with its state (one tmux call for all)')
      .option('--json', 'print JSON')
      .option('--group <by>', 'group the rows: repo')
      .option('--resources', "each live workcell's CPU and memory, its child processes included (Linux)")
      .action(async (o: { json?: boolean; group?: string; resources?: boolean }) => {
        if (o.group !== undefined && o.group !== 'repo')
          return fail(
            { code: 'BAD_ARGS', message: `--group ${o.group}: only --group repo is known` },
            o.json,
          );
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
        if (o.resources)
          return showResources(
            workcells.filter((w) => !isEnded(w.state)),
            o.json,
          );
        if (o.json) return printJson([...workcells, ...problems]);
        if (workcells.length + problems.length === 0) {
          process.stderr.write(
            'no workcells yet: workcell start NAME --repo DIR --agent AGENT --objective "..."\n',
          );
          return;
        }
        const tty = process.stdout.isTTY;
        const text = renderLs(workcells, problems, {
          now: Date.now(),
          // Piped: nothing is cut, so grep sees every line whole.
          width: tty ? process.stdout.columns || 80 : null,
          color: wantsColor(tty, process.env),
          ...(o.group === 'repo' ? { group: 'repo' as const } : {}),
        });
        process.stdout.write(`${text}\n`);
      });
  },
};

async function showResources(live: { name: string; runDir: string }[], json?: boolean): Promise<void> {
  const { sampleUsage } = await import('../../core/housekeeping/resources.js');
  const usage = await sampleUsage(live);
  if (!usage) return fail({ code: 'BAD_ARGS', message: 'ls --resources reads /proc: Linux only' }, json);
  if (json) return printJson(usage);
  const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
  const rows = usage.map(
    (u) =>
      `${u.name.padEnd(24)} ${`${u.cpuPercent.toFixed(1)}%`.padStart(7)} ${mb(u.rssBytes).padStart(10)}  ${u.pids.length} process(es)`,
  );
  process.stdout.write(`${['NAME'.padEnd(24) + '     CPU        RSS', ...rows].join('\n')}\n`);
}
