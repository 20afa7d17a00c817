import type { Command } from 'commander';
import { engineFor, ensureSupervised, fail, printJson, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('resume')
      .description(
        'start the next pass of an ended workcell (vendor resume by session id where possible); earlier artifacts move to history/',
      )
      .argument('<name>')
      .option('--json', 'print the new status as JSON')
      .action(async (name: string, o: { json?: boolean }) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        const r = await c.engine.resume(name);
        if (!r.ok) return fail(r.error, o.json);
        await ensureSupervised(c.dir);
        if (o.json) printJson(r.value);
        else
          process.stdout.write(`resumed ${name}: pass ${r.value.pass} (${r.value.evidence?.detail ?? ''})\n`);
      });
  },
};
