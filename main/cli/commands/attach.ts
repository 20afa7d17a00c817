import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { DEFAULT_ATTACH_PREFIX, detachHint } from '../../core/attachKeys.js';
import { loadSettings } from '../../core/settings.js';
import { tmuxEnv, type Tmux } from '../../core/tmux.js';
import { engineFor, fail, type CommandModule } from '../context.js';

/** Attached clients of this session that are not read-only (a user's own terminal). */
async function writableClients(tmux: Tmux, name: string): Promise<number> {
  const r = await tmux.run(['list-clients', '-t', `=${name}`, '-F', '#{client_readonly}']);
  return r.ok ? r.value.split('\n').filter((l) => l === '0').length : 0;
}

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('attach')
      .description('attach this terminal to a workcell (detach with C-b d); works from inside your own tmux')
      .argument('<name>')
      .option('-r, --read-only', 'watch only: keys are ignored and your terminal size does not resize it')
      .action(async (name: string, o: { readOnly?: boolean }) => {
        const c = await engineFor(ctx);
        if (!c) return;
        const { tmux, engine } = c;
        const st = await engine.status(name);
        if (!st.ok) return fail(st.error);
        if (!st.value.pane) {
          return fail({
            code: 'SESSION_GONE',
            message: `workcell ${name} has no tmux session any more (${st.value.state}): use \`workcell peek ${name}\` to read its log`,
          });
        }
        const readOnly = Boolean(o.readOnly);
        // Inside the user's own tmux, both servers use C-b: C-b d would detach THEIR session. The outer
        // tmux sends C-b on to us when pressed twice (its default send-prefix binding).
        const settings = loadSettings(engine.dir);
        const hint = detachHint(
          name,
          (settings.ok ? settings.value.attachPrefix : undefined) ?? DEFAULT_ATTACH_PREFIX,
          Boolean(process.env.TMUX),
        );
        if (hint) process.stderr.write(`${hint}\n`);
        if (readOnly) process.stderr.write(`workcell: READ-ONLY: watching ${name}; your keys are ignored\n`);
        const target = `=${name}:`;
        // Writable: the window follows this terminal while attached, then keeps its size (see start.ts).
        // Read-only: never resizes the window (manual size), unless a writable client already sizes it.
        const sizing = readOnly
          ? (await writableClients(tmux, name)) > 0
            ? []
            : ['set-option', '-w', '-t', target, 'window-size', 'manual', ';']
          : ['set-option', '-w', '-t', target, 'window-size', 'latest', ';'];
        const [, ...attach] = engine.attachArgv(name, { readOnly });
        const args = [attach[0]!, attach[1]!, ...sizing, ...attach.slice(2)];
        // TMUX is stripped so this works from inside the user's own tmux without nesting warnings.
        const child = spawn(tmux.bin, args, { stdio: 'inherit', env: tmuxEnv() });
        await new Promise<void>((resolve) =>
          child.on('close', (code) => ((process.exitCode = code ?? 1), resolve())),
        );
        if (!readOnly && (await writableClients(tmux, name)) === 0) {
          await tmux.run(['set-option', '-w', '-t', target, 'window-size', 'manual']); // session gone: fine
        }
      });
  },
};
