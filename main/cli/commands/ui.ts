import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dashboardUrl } from '../../common/bridge.js';
import { fail, type CommandModule } from '../context.js';

/** dist/main/cli/commands/ui.js -> dist/renderer (built by scripts/build-renderer.mjs). */
const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'renderer');

/** The platform's "open this URL" program, as argv. Every local user can read an argv
 * (/proc/PID/cmdline of the opener and of the browser it starts), so the URL given here is the
 * hand-over file's, never one that carries the token (main/core/bridge/handover.ts). */
function opener(url: string): string[] {
  if (process.platform === 'darwin') return ['open', url];
  if (process.platform === 'win32') return ['rundll32', 'url.dll,FileProtocolHandler', url];
  return ['xdg-open', url];
}

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('ui')
      .description(
        'serve the dashboard on 127.0.0.1 with a tokened URL (forward the port over SSH to use it remotely)',
      )
      .option('--port <n>', 'port to listen on (default: a free one)', (v) => Number.parseInt(v, 10))
      .option('--no-open', 'do not open a browser, only print the URL')
      .option(
        '--rotate-token',
        'replace the kept access token: tabs opened with the old one must be reopened',
      )
      .option(
        '--no-supervise',
        'only show the fleet; do not start the supervisor daemon (states are then only what tmux and the disk say)',
      )
      .action(async (o: { port?: number; open: boolean; supervise: boolean; rotateToken?: boolean }) => {
        const { dir, tmux } = ctx();
        const v = await tmux.checkVersion();
        if (!v.ok) return fail(v.error);
        if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port < 65536)) {
          return fail({ code: 'BAD_ARGS', message: '--port must be a number from 0 to 65535' });
        }
        if (!existsSync(join(STATIC_DIR, 'index.html'))) {
          return fail({
            code: 'NOT_FOUND',
            message: `the dashboard is not built (${STATIC_DIR}): run \`npm run build\``,
          });
        }
        // Loaded here: ws, node-pty and the supervisor must not slow down `ls` and friends.
        const { startBridge } = await import('../../core/bridge/server.js');
        const log = (line: string) => process.stderr.write(`workcell ui: ${line}\n`);
        // The dashboard is a viewer: the one supervisor daemon of this home writes the states and
        // sends the notifications; the open connection keeps it running while the dashboard is up.
        const { Engine } = await import('../../core/engine.js');
        const { RunsDirFleetSource } = await import('../../core/bridge/runsDirFleetSource.js');
        const engine = new Engine(dir, tmux);
        const fleet = new RunsDirFleetSource(engine);
        let stopFleet = async (): Promise<void> => {};
        let resources: import('../../core/housekeeping/resourceSampler.js').ResourceFeed | undefined;
        if (o.supervise) {
          const { DaemonViewer, ensureDaemon } = await import('../../core/daemon/client.js');
          const d = await ensureDaemon(dir);
          if (!d.ok) return fail(d.error);
          const viewer = await DaemonViewer.connect(dir);
          if (viewer.ok) {
            stopFleet = async () => viewer.value.close();
            // The dashboard's CPU and memory column: sampled by the daemon while the dashboard polls.
            const { RemoteResourceFeed } = await import('../../core/daemon/resourceFeed.js');
            resources = new RemoteResourceFeed(viewer.value);
          } else log(`${viewer.error.message}; showing the fleet without a live supervisor connection`);
        }
        // The same port and token as last time (kept 0600 in the home), so open tabs keep working.
        const { loadStableBridge, saveStableBridge } = await import('../../core/bridge/stableBridge.js');
        const kept = loadStableBridge(dir, { rotate: o.rotateToken });
        const { fleetNotices } = await import('../../core/bridge/fleetNotices.js');
        const serve = (port: number) =>
          startBridge({
            notices: (list) => fleetNotices(dir, list),
            engine,
            fleet,
            port,
            token: kept.token,
            retiredTokens: kept.retired,
            staticDir: STATIC_DIR,
            log,
            resources,
          });
        let bridge;
        try {
          bridge = await serve(o.port ?? kept.port ?? 0);
        } catch (e) {
          if (o.port === undefined && kept.port) {
            // The kept port is taken (another `workcell ui` of this home, or another program): a new
            // one, said plainly, because open tabs need the new URL.
            log(
              `port ${kept.port} is in use (${(e as Error).message}); serving on a new port: reopen open tabs`,
            );
            bridge = await serve(0).catch(() => null);
          }
          if (!bridge) {
            await stopFleet();
            // EADDRINUSE / EACCES on an explicit --port: the user's choice, reported as such
            return fail({
              code: 'BAD_ARGS',
              message: `cannot listen on 127.0.0.1:${o.port ?? kept.port ?? 0}: ${(e as Error).message}`,
            });
          }
        }
        const saved = await saveStableBridge(dir, { ...kept, port: bridge.port });
        if (!saved.ok) log(saved.error.message);
        if (o.rotateToken)
          log('the access token was rotated: tabs opened before must be reopened from this URL');
        // The tokened URL goes to the user's own terminal only (for a browser elsewhere, over SSH).
        process.stdout.write(`${dashboardUrl(bridge.url, bridge.token)}\n`);
        const { writeHandover, removeHandover } = await import('../../core/bridge/handover.js');
        const handover = await writeHandover(dir, bridge.port, dashboardUrl(bridge.url, bridge.token));
        process.stderr.write(
          `workcell ui: dashboard for ${dir.root} at the URL above (the same URL next time; \`workcell ui --rotate-token\` replaces its token)` +
            (handover.ok ? `,\n  or open ${handover.value} (readable only by you).\n` : '.\n') +
            `  over SSH: ssh -L ${bridge.port}:127.0.0.1:${bridge.port} HOST, then open the URL locally. Ctrl+C stops.\n`,
        );
        if (!handover.ok) log(handover.error.message);
        else if (o.open) {
          const [bin, ...args] = opener(pathToFileURL(handover.value).href);
          const child = spawn(bin!, args, { stdio: 'ignore', detached: true });
          // No opener (a server without a desktop): the printed URL is the way in.
          child.on('error', () => undefined);
          child.unref();
        }
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await bridge.close();
        if (handover.ok) await removeHandover(handover.value);
        await stopFleet();
      });
  },
};
