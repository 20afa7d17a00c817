import type { Command } from 'commander';
import { doctor } from '../../core/doctor.js';
import { printJson, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('doctor')
      .description(
        'check tmux, the socket, the control directory, settings.json and git; print the fix for each problem',
      )
      .option('--json', 'print JSON')
      .action(async (o: { json?: boolean }) => {
        const { dir, tmux } = ctx();
        const checks = await doctor(dir, tmux);
        const bad = checks.filter((c) => !c.ok);
        if (o.json) printJson({ ok: bad.length === 0, checks });
        else {
          for (const c of checks)
            process.stdout.write(
              `${c.warn ? 'warn' : c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(12)} ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}\n`,
            );
        }
        process.exitCode = bad.length === 0 ? 0 : 1;
      });
  },
};
