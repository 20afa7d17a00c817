import type { Command } from 'commander';
import { fail, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('watch')
      .description(
        'follow the supervisor in the foreground (e.g. on a server over SSH): one line per event; starts the daemon if none runs, and keeps it running while you watch',
      )
      .option('--json', 'one JSON object per line instead of text')
      .action(async (o: { json?: boolean }) => {
        const { dir, tmux } = ctx();
        const v = await tmux.checkVersion();
        if (!v.ok) return fail(v.error, o.json);
        // Loaded here, not at the top: `ls` and friends must not pay for these modules.
        const { DaemonViewer, ensureDaemon } = await import('../../core/daemon/client.js');
        const stamp = () => new Date().toISOString();
        let viewer: InstanceType<typeof DaemonViewer> | null = null;
        let stopping = false;
        // A viewer, never a second writer: one daemon per home supervises; watch shows what it does.
        const attach = async (): Promise<boolean> => {
          const d = await ensureDaemon(dir);
          if (!d.ok) {
            fail(d.error, o.json);
            return false;
          }
          const c = await DaemonViewer.connect(dir);
          if (!c.ok) {
            fail(c.error, o.json);
            return false;
          }
          viewer = c.value;
          viewer.onFrame.event((f) => {
            if (o.json) {
              if (f.type === 'state') {
                const { excerpt: _e, ...rest } = f.change;
                process.stdout.write(`${JSON.stringify({ type: 'state', ...rest })}\n`);
              } else if (f.type === 'log')
                process.stdout.write(`${JSON.stringify({ at: stamp(), type: 'log', line: f.line })}\n`);
            } else if (f.type === 'log') process.stderr.write(`${stamp()} ${f.line}\n`);
            else if (f.type === 'hello')
              process.stderr.write(
                `${stamp()} watching ${dir.root} through the supervisor daemon (pid ${f.pid}); Ctrl-C stops watching, not supervising\n`,
              );
          });
          viewer.onClose.event(() => {
            if (stopping) return;
            // The daemon was restarted (crash, or `daemon stop` + start): follow the new one.
            process.stderr.write(`${stamp()} the supervisor daemon went away: reconnecting\n`);
            setTimeout(() => void attach(), 500);
          });
          return true;
        };
        if (!(await attach())) return;
        await new Promise<void>((resolve) => {
          const stop = (sig: string) => {
            stopping = true;
            process.stderr.write(`${stamp()} ${sig}: stopping (the daemon keeps supervising)\n`);
            viewer?.close();
            resolve();
          };
          process.once('SIGINT', () => stop('SIGINT'));
          process.once('SIGTERM', () => stop('SIGTERM'));
        });
      });
  },
};
