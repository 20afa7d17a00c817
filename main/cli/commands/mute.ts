import type { Command } from 'commander';
import { Engine } from '../../core/engine.js';
import { fail, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('mute')
      .description('stop notifications for one workcell (its states are still tracked); --off to unmute')
      .argument('<name>')
      .option('--off', 'unmute')
      .action(async (name: string, o: { off?: boolean }) => {
        const { dir, tmux } = ctx();
        const r = await new Engine(dir, tmux).setMuted(name, !o.off);
        if (!r.ok) return fail(r.error);
        process.stdout.write(`${o.off ? 'unmuted' : 'muted'} ${name}\n`);
      });
  },
};
