import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { Engine } from '../../core/engine.js';
import { tmuxEnv } from '../../core/tmux.js';
import { fail, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('attach')
      .description('attach this terminal to a workcell (detach with C-b d); works from inside your own tmux')
      .argument('<name>')
      .option('-r, --read-only', 'watch only: keys are ignored and your terminal size does not resize it')
      .action(async (name: string, o: { readOnly?: boolean }) => {
        const { dir, tmux } = ctx();
        const v = await tmux.checkVersion();
        if (!v.ok) return fail(v.error);
        const engine = new Engine(dir, tmux);
        const st = await engine.status(name);
        if (!st.ok) return fail(st.error);
        if (!st.value.pane) {
          return fail({
            code: 'SESSION_GONE',
            message: `workcell ${name} has no tmux session any more (${st.value.state}): use \`workcell peek ${name}\` to read its log`,
          });
        }
        const [bin, ...args] = engine.attachArgv(name, { readOnly: Boolean(o.readOnly) });
        // TMUX is stripped so this works from inside the user's own tmux without nesting warnings.
        const child = spawn(bin!, args, { stdio: 'inherit', env: tmuxEnv() });
        await new Promise<void>((resolve) =>
          child.on('close', (code) => ((process.exitCode = code ?? 1), resolve())),
        );
      });
  },
};
