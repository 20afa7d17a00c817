import type { Command } from 'commander';
import { describeEnded } from '../../core/processes.js';
import { engineFor, fail, printJson, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('kill')
      .description('stop a workcell (the agent and its children); every artifact is kept')
      .argument('<name>')
      .option('--json', 'print the final status as JSON')
      .action(async (name: string, o: { json?: boolean }) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        const r = await c.engine.reap(name);
        if (!r.ok) return fail(r.error, o.json);
        if (o.json) return printJson(r.value.status);
        if (r.value.finisherStopped)
          process.stdout.write(
            `stopped ${name}'s finisher (its agent had already ended: ${r.value.status.state}; verify.sh did not finish); artifacts kept in ${c.dir.runDir(name)}\n`,
          );
        else process.stdout.write(`killed ${name}; artifacts kept in ${c.dir.runDir(name)}\n`);
        if (r.value.ended.length) process.stdout.write(`  ended ${describeEnded(r.value.ended)}\n`);
      });
  },
};
