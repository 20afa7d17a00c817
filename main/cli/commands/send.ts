import type { Command } from 'commander';
import { engineFor, fail, printJson, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('send')
      .description(
        'reply to a live workcell without attaching: type TEXT literally (nothing is interpreted), or press one --key',
      )
      .argument('<name>')
      .argument('[text]', 'the text to type, exactly as given (quote it for your shell)')
      .option('-k, --key <key>', 'press one key instead: Enter, Esc, Tab, Up, Down, Left, Right, y, n, 1-9')
      .option('--no-enter', 'type the text without pressing Enter after it')
      .option('--json', 'print what was recorded as JSON')
      .action(
        async (
          name: string,
          text: string | undefined,
          o: { key?: string; enter: boolean; json?: boolean },
        ) => {
          if ((text === undefined) === (o.key === undefined))
            return fail({ code: 'BAD_ARGS', message: 'give either TEXT or --key KEY (one of them)' }, o.json);
          const c = await engineFor(ctx, o.json);
          if (!c) return;
          const r = await c.engine.reply(
            name,
            o.key !== undefined ? { key: o.key } : { text: text!, enter: o.enter },
            'cli',
          );
          if (!r.ok) return fail(r.error, o.json);
          if (o.json) return printJson(r.value);
          const what = r.value.key
            ? `key ${r.value.key}`
            : `${r.value.chars} characters${r.value.enter ? ' and Enter' : ''}`;
          process.stdout.write(`sent ${what} to ${name}\n`);
        },
      );
  },
};
