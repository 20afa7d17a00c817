// What every other process does with the daemon: ask whether one watches this home (and if not, why),
// make sure one does, stop it, and view its events.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { Emitter } from '../../common/lifecycle.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { lastDaemonLogLine } from './daemonLog.js';
import { DAEMON_MAIN, daemonSocketPath } from './layout.js';
import { isAlive, liveLeader, readLeader, type LeaderRecord } from './leaderLock.js';
import type { NotifyMessage } from '../../common/notify.js';
import type { SendResult } from '../notify/types.js';
import type { DaemonFrame, ViewerFrame } from './protocol.js';

export const CLIENT_TIMING = {
  // A daemon takes ~300 ms to load and take the lead on an idle machine; 10 s covers a loaded one.
  startWaitMs: 10_000,
  // SIGTERM lets it flush its ledgers and let in-flight notifications land (up to 5 s).
  stopWaitMs: 10_000,
  pollMs: 50,
} as const;

export interface DaemonStatus {
  running: boolean;
  leader: LeaderRecord | null;
  /** When not running: why, in words (never started, stopped, crashed) with its last log line. */
  why: string | null;
  lastLogLine: string;
}

export async function daemonStatus(dir: ControlDir): Promise<DaemonStatus> {
  const rec = readLeader(dir);
  if (rec && isAlive(rec)) return { running: true, leader: rec, why: null, lastLogLine: '' };
  const lastLogLine = await lastDaemonLogLine(dir);
  const why = rec
    ? `the supervisor daemon (pid ${rec.pid}) died without stopping cleanly`
    : lastLogLine
      ? 'the supervisor daemon is not running'
      : 'no supervisor daemon has run for this home yet';
  return { running: false, leader: null, why, lastLogLine };
}

/** Starts the daemon unless one leads already; waits until it leads. */
export async function ensureDaemon(
  dir: ControlDir,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Result<LeaderRecord>> {
  const cur = liveLeader(dir);
  if (cur) return ok(cur);
  // detached: a session of its own (setsid), so a closing terminal or SSH drop does not hang it up.
  const child = spawn(process.execPath, [DAEMON_MAIN], {
    detached: true,
    stdio: 'ignore',
    env: { ...env, WORKCELLS_HOME: dir.root },
  });
  child.on('error', () => undefined); // reported below as "did not start"
  child.unref();
  const deadline = Date.now() + CLIENT_TIMING.startWaitMs;
  while (Date.now() < deadline) {
    const rec = liveLeader(dir);
    if (rec && existsSync(daemonSocketPath(dir))) return ok(rec);
    await sleep(CLIENT_TIMING.pollMs);
  }
  const last = await lastDaemonLogLine(dir);
  return err(
    'TMUX_FAILED',
    `the supervisor daemon did not start${last ? ` (its log says: ${last})` : ''}: run \`workcell daemon logs\` and \`workcell doctor\``,
  );
}

/** Stops the daemon (and its keeper) gracefully; resolves once it has let go of the lead. */
export async function stopDaemon(dir: ControlDir): Promise<Result<{ stopped: number | null }>> {
  const rec = liveLeader(dir);
  if (!rec) return ok({ stopped: null });
  // The keeper first: it forwards the signal and does not restart a daemon that was asked to stop.
  for (const pid of [rec.keeperPid, rec.pid]) {
    if (!pid) continue;
    try {
      process.kill(pid, 'SIGTERM');
      break;
    } catch {
      // ESRCH: the keeper is gone (killed on its own); signal the daemon itself
    }
  }
  const deadline = Date.now() + CLIENT_TIMING.stopWaitMs;
  while (Date.now() < deadline) {
    if (!liveLeader(dir)) return ok({ stopped: rec.pid });
    await sleep(CLIENT_TIMING.pollMs);
  }
  return err('STILL_RUNNING', `the supervisor daemon (pid ${rec.pid}) did not stop within 10 s`);
}

/** A viewer of the daemon's events (state changes, log lines, fleet changes). */
export class DaemonViewer {
  readonly onFrame = new Emitter<DaemonFrame>();
  readonly onClose = new Emitter<void>();
  private sock: Socket | null = null;
  /** Settles on the daemon's `hello` (or after 2 s): frames and the close wait for it, so nothing we
   * send can race the daemon still setting up this connection (a hand-over followed at once by a
   * close was lost that way on CI). */
  private greeted: Promise<void> = Promise.resolve();
  private greet: () => void = () => undefined;

  /** Connects, retrying briefly while the daemon is still starting (its socket not listening yet:
   * ECONNREFUSED or ENOENT; found by CI, where `workcell ui` died of it). */
  static async connect(dir: ControlDir): Promise<Result<DaemonViewer>> {
    const deadline = Date.now() + CLIENT_TIMING.startWaitMs;
    for (;;) {
      const r = await DaemonViewer.connectOnce(dir);
      if (r.ok || Date.now() > deadline || !/ECONNREFUSED|ENOENT/.test(r.error.message)) return r;
      await sleep(CLIENT_TIMING.pollMs);
    }
  }

  private static connectOnce(dir: ControlDir): Promise<Result<DaemonViewer>> {
    return new Promise((resolve) => {
      const sock = connect(daemonSocketPath(dir));
      sock.once('error', (e) =>
        resolve(
          err('TMUX_FAILED', `cannot reach the supervisor daemon: ${(e as NodeJS.ErrnoException).code}`),
        ),
      );
      sock.once('connect', () => {
        const v = new DaemonViewer();
        v.sock = sock;
        v.greeted = new Promise<void>((r) => {
          v.greet = r;
          setTimeout(r, 2_000).unref();
        });
        // After connecting, a socket error (the daemon killed) is just the end of the stream.
        sock.on('error', () => sock.destroy());
        sock.on('close', () => v.onClose.fire());
        const rl = createInterface({ input: sock });
        rl.on('error', () => undefined); // re-emitted socket errors: handled above
        rl.on('line', (line) => {
          try {
            const f = JSON.parse(line) as DaemonFrame;
            if (f.type === 'hello') v.greet();
            v.onFrame.fire(f);
          } catch {
            // a torn line from a daemon killed mid-write: skip it
          }
        });
        resolve(ok(v));
      });
    });
  }

  /** Asks the daemon to look now (e.g. right after a start). */
  poke(): void {
    void this.send({ type: 'poke' });
  }

  /** Offers to show the daemon's desktop notifications (the tray app: its bubbles open the peek on
   * click). Each one is shown by `show` and acknowledged; the daemon shows it itself when this viewer
   * does not answer in time or goes away. Resolves once the offer is on its way to the daemon (it goes
   * out only after the daemon's hello): what ends before that is shown by the daemon itself. */
  showDesktop(show: (msg: NotifyMessage) => Promise<SendResult>): Promise<void> {
    this.onFrame.event((f) => {
      if (f.type !== 'notify') return;
      void show(f.msg)
        .catch((e: unknown): SendResult => ({ ok: false, error: String(e), retry: false }))
        .then((r) => this.send({ type: 'ack', id: f.id, ok: r.ok, ...(r.ok ? {} : { error: r.error }) }));
    });
    return this.send({ type: 'desktop' });
  }

  /** Asks the daemon to sample per-workcell CPU and memory (renew within 15 s), or to stop (false);
   * the samples come as `resources` frames (resourceFeed.ts keeps the latest). */
  watchResources(watch: boolean): void {
    this.send({ type: 'resources', watch });
  }

  /** Hands the app's keychain secrets to the daemon (replacing earlier ones), so it can notify with
   * them after the app quits. Only over the 0600 socket; never in argv or an environment. */
  handOverKeychain(secrets: Record<string, string>): void {
    void this.send({ type: 'keychain', secrets });
  }

  /** Settles once the frame is written to the socket (or could not be: the daemon gone). */
  private send(frame: ViewerFrame): Promise<void> {
    return this.greeted.then(
      () =>
        new Promise<void>((done) => {
          if (this.sock && !this.sock.destroyed) this.sock.write(`${JSON.stringify(frame)}\n`, () => done());
          else done();
        }),
    );
  }

  /** Ends the connection after what was written has gone out (a destroy() right after write() can
   * drop it: a keychain hand-over followed by close() was lost that way under load). */
  close(): void {
    const sock = this.sock;
    this.onFrame.dispose();
    if (!sock || sock.destroyed) return;
    void this.greeted.then(() => {
      sock.end(() => sock.destroy());
      setTimeout(() => sock.destroy(), 2_000).unref(); // a peer that never reads: do not linger
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
