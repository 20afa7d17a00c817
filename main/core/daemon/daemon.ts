// The supervisor daemon (one per control directory): holds the leader lock, runs the one Supervisor
// (the one writer of state, the one sender of notifications), serves its events to any number of
// viewers (tray app, `workcell ui`, `workcell watch`) on a local socket, and exits on its own when
// nothing is live, nothing is owed and nobody is watching.
import { chmodSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { isEnded } from '../../common/workcell.js';
import type { ControlDir } from '../paths.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { DaemonLog, daemonLogPath } from './daemonLog.js';
import { DAEMON_EXIT, daemonSocketPath } from './layout.js';
import { DEFAULT_FACTORIES } from '../notify/index.js';
import { DesktopRelay } from './desktopRelay.js';
import { parseViewerFrame, type DaemonFrame } from './protocol.js';

export const DAEMON_TIMING = {
  // Nothing live, nothing owed, no viewer for this long: exit. A minute rides out the gap between one
  // `workcell start` and the next in a script; `WORKCELL_DAEMON_IDLE_EXIT_MS` overrides it (tests).
  idleExitMs: 60_000,
  idleCheckMs: 5_000,
} as const;

export interface DaemonOptions {
  dir: ControlDir;
  keeperPid?: number | null;
  idleExitMs?: number;
  relayAckTimeoutMs?: number;
}

/** Runs until stopped; resolves with the process exit code. */
export async function runDaemon(o: DaemonOptions): Promise<number> {
  const log = new DaemonLog(daemonLogPath(o.dir));
  const relay = new DesktopRelay(o.relayAckTimeoutMs);
  // The app's keychain secrets, in memory only (never in an environment agents could inherit, never on
  // disk in the clear): kept for the daemon's life, so Slack still works after the app quits.
  const keychain = new Map<string, string>();
  const started = await Supervisor.start({
    keychain: (name) => keychain.get(name) ?? null,
    dir: o.dir,
    log: (l) => log.write(l),
    keeperPid: o.keeperPid,
    factories: { desktop: relay.factory(DEFAULT_FACTORIES.desktop) },
  });
  if (!started.ok) {
    log.write(`not starting: ${started.error.message}`);
    return started.error.code === 'STILL_RUNNING' ? DAEMON_EXIT.locked : DAEMON_EXIT.failed;
  }
  const sup = started.value;
  log.write(`supervising ${o.dir.root} as pid ${process.pid}`);

  const viewers = new Set<Socket>();
  const send = (frame: DaemonFrame) => {
    const line = `${JSON.stringify(frame)}\n`;
    for (const s of viewers) if (!s.destroyed) s.write(line);
  };
  sup.onState((c) => {
    const { summary: _s, ...change } = c;
    send({ type: 'state', change });
  });
  sup.onLog.event((line) => send({ type: 'log', line }));
  sup.onFleet.event(() => send({ type: 'fleet' }));
  // Viewers showing per-workcell CPU and memory: each holds a sampling lease (resourceSampler.ts).
  const resourceViewers = new Map<Socket, string>();
  let viewerSeq = 0;
  sup.resources.onSample.event((snapshot) => {
    const line = `${JSON.stringify({ type: 'resources', snapshot } satisfies DaemonFrame)}\n`;
    for (const s of resourceViewers.keys()) if (!s.destroyed) s.write(line);
  });
  const server = await listen(daemonSocketPath(o.dir), (sock) => {
    viewers.add(sock);
    sock.on('close', () => {
      viewers.delete(sock);
      relay.detach(sock);
      const lease = resourceViewers.get(sock);
      if (lease) sup.resources.release(lease);
      resourceViewers.delete(sock);
    });
    sock.on('error', () => sock.destroy()); // a viewer that went away mid-write: forget it
    const lines = createInterface({ input: sock });
    lines.on('error', () => undefined); // re-emitted socket errors: handled above
    lines.on('line', (line) => {
      const f = parseViewerFrame(line);
      if (f.type === 'desktop') relay.attach(sock);
      else if (f.type === 'ack') relay.ack(f.id, f.ok, f.error);
      else if (f.type === 'keychain') {
        keychain.clear();
        for (const [k, v] of Object.entries(f.secrets)) keychain.set(k, v);
        // The names only (never a value): "why did Slack not send" starts with whether the app handed
        // its secrets over at all.
        log.write(`keychain: ${keychain.size} secret(s) from the app (${[...keychain.keys()].join(', ')})`);
      } else if (f.type === 'resources') {
        const lease = resourceViewers.get(sock) ?? `viewer-${++viewerSeq}`;
        if (!f.watch) {
          sup.resources.release(lease);
          resourceViewers.delete(sock);
          return;
        }
        if (!resourceViewers.has(sock))
          sock.write(`${JSON.stringify({ type: 'resources', snapshot: sup.resources.latest() })}\n`);
        resourceViewers.set(sock, lease);
        sup.resources.touch(lease);
      } else void sup.request(); // any other line from a viewer means "look now"
    });
    sock.write(
      `${JSON.stringify({ type: 'hello', pid: process.pid, home: o.dir.root } satisfies DaemonFrame)}\n`,
    );
  });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (why: string, code: number = DAEMON_EXIT.ok) => {
      if (stopping) return;
      stopping = true;
      clearInterval(idleTimer);
      log.write(`stopping: ${why}`);
      send({ type: 'bye', why });
      for (const s of viewers) s.end();
      server.close();
      await sup.stop();
      resolve(code);
    };
    const idleExitMs = o.idleExitMs ?? DAEMON_TIMING.idleExitMs;
    let idleSince = Date.now();
    const idleTimer = setInterval(
      () => {
        const live = sup.snapshot().some((w) => !isEnded(w.state) || (w.pane && !w.pane.dead));
        if (live || sup.busy || viewers.size > 0) idleSince = Date.now();
        else if (Date.now() - idleSince >= idleExitMs)
          void stop(`nothing live, nothing owed, no viewer for ${Math.round(idleExitMs / 1000)}s`);
      },
      Math.min(DAEMON_TIMING.idleCheckMs, Math.max(100, idleExitMs / 4)),
    );
    sup.onHomeGone(() => void stop('the control directory was removed', DAEMON_EXIT.ok));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGHUP', () => void stop('SIGHUP'));
  });
}

/** A unix socket only this user can reach (the home is 0700; the socket is 0600 as well). A socket
 * file left by a crashed daemon is replaced: we hold the leader lock, so it cannot be a live one's. */
function listen(path: string, onConn: (s: Socket) => void): Promise<Server> {
  try {
    unlinkSync(path);
  } catch {
    // ENOENT: no stale socket
  }
  return new Promise((resolve, reject) => {
    const server = createServer(onConn);
    server.once('error', reject);
    server.listen(path, () => {
      chmodSync(path, 0o600);
      resolve(server);
    });
  });
}
