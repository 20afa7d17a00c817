import type { Command } from 'commander';
import { Engine } from '../../core/engine.js';
import { fail, printJson, type CommandModule } from '../context.js';

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
        const { dir, tmux } = ctx();
        const v = await tmux.checkVersion();
        if (!v.ok) return fail(v.error, o.json);
        const r = await new Engine(dir, tmux).resume(name);
        if (!r.ok) return fail(r.error, o.json);
        if (o.json) printJson(r.value);
        else
          process.stdout.write(`resumed ${name}: pass ${r.value.pass} (${r.value.evidence?.detail ?? ''})\n`);
      });
  },
};
