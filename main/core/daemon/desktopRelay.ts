// Desktop notifications from the daemon go through the tray app when one is connected: the app shows
// them as Electron notifications, whose click opens that workcell's peek (one click to get back in).
// With no app connected, or an app that does not answer in time, the daemon's own desktop channel
// (notify-send / osascript) shows them instead. The daemon stays the one sender: the app only
// displays what it is handed and says whether it could.
import type { Socket } from 'node:net';
import type { NotifyMessage } from '../../common/notify.js';
import type { DesktopNotifierSettings } from '../../common/settings.js';
import type { NotifierFactory, SendResult } from '../notify/types.js';
import type { DaemonFrame } from './protocol.js';

export const RELAY_TIMING = {
  // An app that showed the bubble answers in milliseconds; a hung one must not hold the lane long.
  ackTimeoutMs: 3_000,
} as const;

export class DesktopRelay {
  private app: Socket | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, (r: SendResult | null) => void>();

  constructor(private readonly ackTimeoutMs: number = RELAY_TIMING.ackTimeoutMs) {}

  /** The viewer that asked to show desktop notifications (the latest one wins). */
  attach(sock: Socket): void {
    this.app = sock;
  }

  /** A viewer went away: if it was the app, what it still owed falls back to the daemon's channel. */
  detach(sock: Socket): void {
    if (this.app !== sock) return;
    this.app = null;
    for (const [id, done] of this.waiting) {
      this.waiting.delete(id);
      done(null);
    }
  }

  get attached(): boolean {
    return this.app !== null && !this.app.destroyed;
  }

  /** The app's answer to one `notify` frame. Unknown or late ids are ignored. */
  ack(id: number, ok: boolean, error?: string): void {
    const done = this.waiting.get(id);
    if (!done) return;
    this.waiting.delete(id);
    done(ok ? { ok: true } : { ok: false, error: error ?? 'the app could not show it', retry: false });
  }

  /** Wraps the daemon's own desktop factory: the app first, the daemon's channel when it cannot. */
  factory(own: NotifierFactory<DesktopNotifierSettings>): NotifierFactory<DesktopNotifierSettings> {
    return (settings, ctx) => {
      const local = own(settings, ctx);
      return {
        type: 'desktop',
        send: async (msg, signal) => (await this.viaApp(msg, signal)) ?? local.send(msg, signal),
      };
    };
  }

  /** null: no app, or it did not answer; the caller shows the message itself. */
  private viaApp(msg: NotifyMessage, signal: AbortSignal): Promise<SendResult | null> {
    const app = this.app;
    if (!app || app.destroyed || signal.aborted) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), this.ackTimeoutMs);
      const onAbort = () => finish(null);
      const finish = (r: SendResult | null) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiting.delete(id);
        resolve(r);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, finish);
      app.write(`${JSON.stringify({ type: 'notify', id, msg } satisfies DaemonFrame)}\n`);
    });
  }
}
