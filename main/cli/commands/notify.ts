// `workcell notify test [TYPE]`: sends a test message through every configured notifier (or only those
// of TYPE) and reports each one, so a user finds a wrong token before a real event needs it.
import type { Command } from 'commander';
import { NOTIFIER_TYPES, type NotifierType } from '../../common/notify.js';
import { EXIT, fail, printJson, type CommandModule } from '../context.js';

const EXAMPLE = `{
  "notifiers": [
    { "type": "desktop" },
    { "type": "slack", "url": { "env": "SLACK_WEBHOOK_URL" }, "on": ["done", "failed", "waiting"] },
    { "type": "command", "argv": ["/usr/local/bin/my-notify"] }
  ]
}`;

// One try per notifier within 15 s: a test should answer promptly; retries would hide a flaky channel.
const TEST_POLICY = { attempts: 1, timeoutMs: 15_000 } as const;

export const command: CommandModule = {
  register(program: Command, ctx) {
    const notify = program
      .command('notify')
      .description('notification channels (configured in settings.json)');
    notify
      .command('test')
      .description(
        `send a test message through every configured notifier, or only TYPE (${NOTIFIER_TYPES.join(', ')})`,
      )
      .argument('[type]', 'only notifiers of this type')
      .option('--json', 'print results as JSON on stdout')
      .action(async (type: string | undefined, o: { json?: boolean }) => {
        const json = Boolean(o.json);
        if (type !== undefined && !(NOTIFIER_TYPES as readonly string[]).includes(type)) {
          return fail(
            {
              code: 'BAD_ARGS',
              message: `unknown notifier type ${JSON.stringify(type)}: use one of ${NOTIFIER_TYPES.join(', ')}`,
            },
            json,
          );
        }
        const { dir } = ctx();
        // Loaded here: zod and the adapters must not slow down `ls` and friends.
        const { loadSettings } = await import('../../core/settings.js');
        const { NotificationDispatcher } = await import('../../core/notify/dispatcher.js');
        const settings = loadSettings(dir);
        if (!settings.ok) return fail(settings.error, json);
        const configured = settings.value.notifiers.filter((n) => !type || n.type === type);
        if (configured.length === 0) {
          const what = type ? `no ${type} notifier is configured` : 'no notifiers are configured';
          return fail(
            {
              code: 'NOT_FOUND',
              message: `${what} in ${dir.settings}; for example:\n${EXAMPLE}\n(see docs/notifications.md)`,
            },
            json,
          );
        }
        const dispatcher = new NotificationDispatcher({
          dir,
          settings: settings.value,
          // A test message belongs to no workcell: nothing goes to events.jsonl.
          appendEvent: () => {},
          retry: TEST_POLICY,
        });
        const results = await dispatcher.sendTest(type as NotifierType | undefined);
        await dispatcher.close();
        const failures = results.filter((r) => !r.ok).length;
        if (json) {
          printJson({ results });
        } else {
          const width = Math.max(...results.map((r) => r.notifier.length));
          for (const r of results) {
            const name = r.notifier.padEnd(width);
            process.stdout.write(r.ok ? `ok      ${name}  ${r.ms} ms\n` : `failed  ${name}  ${r.error}\n`);
          }
        }
        if (failures > 0) {
          process.stderr.write(`workcell: ${failures} of ${results.length} notifiers failed\n`);
          process.exitCode = EXIT.FAILED;
        }
      });
  },
};
