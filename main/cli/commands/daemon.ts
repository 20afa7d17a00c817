import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { fail, printJson, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    const daemon = program
      .command('daemon')
      .description(
        'the supervisor daemon: one per home, started by `workcell start`; it watches every workcell and sends the notifications',
      );
    daemon
      .command('status')
      .description('is a supervisor watching this home? (and if not, why)')
      .option('--json', 'print JSON')
      .action(async (o: { json?: boolean }) => {
        const { daemonStatus } = await import('../../core/daemon/client.js');
        const s = await daemonStatus(ctx().dir);
        if (o.json) return printJson(s);
        if (s.running && s.leader)
          process.stdout.write(
            `running: pid ${s.leader.pid} on ${s.leader.host}, since ${s.leader.startedAt}${s.leader.keeperPid ? ` (keeper pid ${s.leader.keeperPid} restarts it after a crash)` : ''}\n`,
          );
        else {
          process.stdout.write(
            `not running: ${s.why}\n${s.lastLogLine ? `  last log line: ${s.lastLogLine}\n` : ''}`,
          );
          process.exitCode = 1;
        }
      });
    daemon
      .command('start')
      .description('start the daemon unless one runs already')
      .action(async () => {
        const { ensureDaemon } = await import('../../core/daemon/client.js');
        const r = await ensureDaemon(ctx().dir);
        if (!r.ok) return fail(r.error);
        process.stdout.write(`supervisor daemon running: pid ${r.value.pid}\n`);
      });
    daemon
      .command('stop')
      .description(
        'stop the daemon gracefully (workcells keep running; nothing watches them until the next start)',
      )
      .action(async () => {
        // Never leave live workcells untracked without saying so: name them, and where they are noted.
        const c = ctx();
        const { Engine } = await import('../../core/engine.js');
        const { liveReminder } = await import('../../core/continuity/journal.js');
        const list = await new Engine(c.dir, c.tmux).list();
        const note = list.ok ? liveReminder(c.dir, list.value, new Date()) : null;
        if (note) process.stderr.write(note);
        const { stopDaemon } = await import('../../core/daemon/client.js');
        const r = await stopDaemon(c.dir);
        if (!r.ok) return fail(r.error);
        process.stdout.write(
          r.value.stopped
            ? `stopped the supervisor daemon (pid ${r.value.stopped})\n`
            : 'no daemon was running\n',
        );
      });
    daemon
      .command('unit')
      .description(
        'print a systemd user unit (or with --launchd a launchd agent) that runs the daemon from login on; see docs/daemon.md',
      )
      .option('--launchd', 'a launchd agent plist (the default on macOS)')
      .option('--systemd', 'a systemd user unit (the default elsewhere)')
      .action(async (o: { launchd?: boolean; systemd?: boolean }) => {
        const { launchdPlist, systemdUnit, unitInputProblem } =
          await import('../../core/daemon/loginUnit.js');
        const input = {
          home: ctx().dir.root,
          node: process.execPath,
          path: process.env.PATH ?? '/usr/bin:/bin',
        };
        const problem = unitInputProblem(input);
        if (problem) return fail({ code: 'BAD_ARGS', message: problem });
        const launchd = o.launchd || (!o.systemd && process.platform === 'darwin');
        process.stdout.write(launchd ? launchdPlist(input) : systemdUnit(input));
      });
    daemon
      .command('logs')
      .description("print the daemon's log (daemon/daemon.log, rotated at 1 MiB)")
      .option('-n, --lines <n>', 'last N lines', '50')
      .action(async (o: { lines: string }) => {
        const { daemonLogPath } = await import('../../core/daemon/daemonLog.js');
        const text = await readFile(daemonLogPath(ctx().dir), 'utf8').catch(() => '');
        if (!text) {
          process.stderr.write('the daemon has not logged anything yet\n');
          return;
        }
        const lines = text.trimEnd().split('\n');
        process.stdout.write(`${lines.slice(-Math.max(1, Number(o.lines) || 50)).join('\n')}\n`);
      });
  },
};
