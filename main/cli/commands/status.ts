import type { Command } from 'commander';
import { isEnded } from '../../common/workcell.js';
import { engineFor, fail, printJson, warnIfUnsupervised, type CommandModule } from '../context.js';
import { age, stateLabel, verifyLabel } from '../format.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('status')
      .description('show one workcell')
      .argument('<name>')
      .option('--json', 'print JSON')
      .action(async (name: string, o: { json?: boolean }) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        const r = await c.engine.status(name);
        if (!r.ok) return fail(r.error, o.json);
        const w = r.value;
        await warnIfUnsupervised(c.dir, !isEnded(w.state));
        if (o.json) return printJson(w);
        const lines = [
          `name      ${w.name}`,
          `state     ${stateLabel(w)}${w.evidence ? `  (${w.evidence.source}: ${w.evidence.detail})` : ''}`,
          `agent     ${w.agent}`,
          `repo      ${w.repo}`,
          `pass      ${w.pass}`,
          `started   ${w.startedAt} (${age(w.startedAt)} ago)`,
          `ended     ${w.endedAt ?? '-'}`,
          `exit      ${w.exitCode ?? '-'}${w.signal ? ` ${w.signal}` : ''}`,
          `verify    ${verifyLabel(w)}${w.verify.reason ? `: ${w.verify.reason}` : ''}`,
          `run dir   ${w.runDir}`,
          `last line ${w.lastLine}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
  },
};
