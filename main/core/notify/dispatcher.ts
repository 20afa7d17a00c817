// Delivers state changes to every configured channel: deduplicated across restarts, retried with
// backoff, concurrent (a dead channel delays nobody), and never throwing into the supervisor.
import { join } from 'node:path';
import type { NotifierType, NotifyEvent, NotifyMessage, StateChange } from '../../common/notify.js';
import type { Settings } from '../../common/settings.js';
import type { ControlDir } from '../paths.js';
import { formatMessage, testChange } from './format.js';
import { NotifiedLedger, LEDGER } from './ledger.js';
import { buildNotifiers, type ConfiguredNotifier } from './registry.js';
import { Redactor, makeSecretResolver, registerInlineSecrets } from './secrets.js';
import { failed, type NotifierFactories, type SendResult } from './types.js';

export interface RetryPolicy {
  /** Total tries per notifier, the first included. */
  attempts: number;
  /** Wait before the second try; doubles each time up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt deadline (fetch, or the notifier's program). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  // 5 tries over ~30 s (2 + 4 + 8 + 16): rides out a Wi-Fi reconnect after wake or a webhook blip;
  // beyond that the news is stale and the failure is recorded instead.
  attempts: 5,
  firstDelayMs: 2_000,
  maxDelayMs: 60_000,
  // 10 s: Slack and Telegram answer in well under a second; a channel that takes longer is down, and
  // every attempt holds one slot only in its own channel's lane.
  timeoutMs: 10_000,
};

// 5 s on close: time for in-flight posts to land before the process exits, short enough for SIGTERM.
const CLOSE_GRACE_MS = 5_000;

export interface DispatcherOptions {
  dir: ControlDir;
  settings: Settings;
  /** Appends a line to runs/<name>/events.jsonl. Errors it throws are logged, never propagated. */
  appendEvent: (name: string, event: NotifyEvent) => void;
  /** The `muted` flag of the workcell's status; settings.muted is checked as well. */
  isMuted?: (name: string) => boolean;
  /** Replace adapters by type, e.g. `{ desktop: electronNotifier }` from the app. */
  factories?: Partial<NotifierFactories>;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** ms since epoch; for event times, the staleness check and the ledger. */
  clock?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Diagnostics (already redacted); default: nothing. `workcell watch` passes its line logger. */
  log?: (line: string) => void;
}

export interface TestOutcome {
  notifier: string;
  type: NotifierType;
  ok: boolean;
  error?: string;
  ms: number;
}

export class NotificationDispatcher {
  private settings: Settings;
  private notifiers: ConfiguredNotifier[] = [];
  private readonly redactor = new Redactor();
  private readonly ledger: NotifiedLedger;
  private readonly retry: RetryPolicy;
  private readonly clock: () => number;
  private readonly log: (line: string) => void;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private closed = false;

  constructor(private readonly opts: DispatcherOptions) {
    this.clock = opts.clock ?? Date.now;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    const log = opts.log ?? (() => {});
    this.log = (line) => log(this.redactor.redact(line));
    this.ledger = new NotifiedLedger(join(opts.dir.state, 'notified.json'), this.clock, this.log);
    this.settings = opts.settings;
    this.setSettings(opts.settings);
  }

  /** Applies edited settings to later notifications; deliveries under way finish with the old ones. */
  setSettings(settings: Settings): void {
    this.settings = settings;
    registerInlineSecrets(settings, this.redactor);
    const env = this.opts.env ?? process.env;
    const ctx = {
      env,
      platform: this.opts.platform ?? process.platform,
      secrets: makeSecretResolver(env, this.opts.dir.root, this.redactor),
    };
    this.notifiers = buildNotifiers(settings, ctx, this.opts.factories);
  }

  /** Hands a change to every notifier subscribed to its state. Resolves as soon as the intent is on
   * disk (milliseconds); deliveries continue in the background. Never throws, never rejects.
   *
   * Delivery is at most once per (change, notifier): intent is recorded in the ledger BEFORE the first
   * attempt, and a change found in the ledger is never handed out again, even if the process died
   * mid-send. A crash in that window (one request's duration) can lose one notification but can
   * never duplicate one; we chose that because a repeated "done" on a phone teaches users to ignore
   * us, while the dashboard and `workcell ls` still show the state that was missed. Within one
   * process a failed attempt is retried, so a request that reached the server but whose answer was
   * lost can arrive twice: at most once per retry. */
  async notify(change: StateChange): Promise<void> {
    try {
      if (this.closed) {
        this.log(`notify: ${change.id} after close, not sent`);
        return;
      }
      const targets = this.notifiers.filter((n) => n.on.includes(change.state));
      if (targets.length === 0) return;
      const keys = targets.map((t) => t.key);
      if (this.settings.muted.includes(change.name) || this.opts.isMuted?.(change.name) === true) {
        // Recorded as muted so unmuting later does not replay the old news.
        await this.ledger.claim(change.id, change.name, keys, 'muted');
        return;
      }
      const age = this.clock() - Date.parse(change.at);
      if (age > LEDGER.retentionMs) {
        // Older than the ledger remembers: we cannot tell whether it was sent, so we do not send it.
        this.log(`notify: ${change.id} is older than the dedupe window, not sent`);
        return;
      }
      const fresh = new Set(await this.ledger.claim(change.id, change.name, keys));
      const msg = formatMessage(change);
      for (const t of targets) if (fresh.has(t.key)) this.track(this.deliver(t, msg));
    } catch (e) {
      // A bug or an unwritable state/ directory: the supervisor must keep running; say so and move on.
      this.log(`notify: ${change.id} not sent: ${(e as Error).stack ?? String(e)}`);
    }
  }

  /** `workcell notify test`: one attempt on every notifier (or those of `only`), no dedupe, no events. */
  async sendTest(only?: NotifierType): Promise<TestOutcome[]> {
    const msg = formatMessage(testChange(new Date(this.clock()).toISOString()));
    const targets = this.notifiers.filter((n) => !only || n.type === only);
    return Promise.all(
      targets.map(async (t) => {
        const started = Date.now();
        const r = await this.attempt(t, msg);
        const ms = Date.now() - started;
        return r.ok
          ? { notifier: t.key, type: t.type, ok: true, ms }
          : { notifier: t.key, type: t.type, ok: false, error: this.redactor.redact(r.error), ms };
      }),
    );
  }

  /** Resolves when every delivery started so far (retries included) has finished. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.ledger.idle();
  }

  /** Stops accepting changes, gives in-flight deliveries `graceMs`, then aborts the rest (recorded as
   * notify_failed) and waits for the ledger. */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([this.flush(), grace]);
    clearTimeout(timer);
    this.shutdown.abort(new Error('supervisor shutting down'));
    await this.flush();
  }

  private track(delivery: Promise<void>): void {
    const p = delivery.catch((e: Error) => {
      // deliver() contains every expected failure; this is a bug, logged rather than crashing the host.
      this.log(`notify: delivery bug: ${e.stack ?? String(e)}`);
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async attempt(t: ConfiguredNotifier, msg: NotifyMessage): Promise<SendResult> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.retry.timeoutMs)]);
    try {
      return await t.notifier.send(msg, signal);
    } catch (e) {
      // Adapters return failures as values; a throw is a bug in one (possibly a plug-in from the app).
      // Contain it to this delivery and retry, as for any other transient failure.
      return failed(`adapter error: ${(e as Error).message ?? String(e)}`, true);
    }
  }

  private async deliver(t: ConfiguredNotifier, msg: NotifyMessage): Promise<void> {
    let attempts = 0;
    let last: SendResult = failed('not attempted', false);
    while (attempts < this.retry.attempts) {
      attempts++;
      last = await this.attempt(t, msg);
      if (last.ok || !last.retry || attempts >= this.retry.attempts || this.shutdown.signal.aborted) break;
      const delay = Math.min(this.retry.firstDelayMs * 2 ** (attempts - 1), this.retry.maxDelayMs);
      await abortableSleep(delay, this.shutdown.signal);
      if (this.shutdown.signal.aborted) break;
    }
    const base = { at: new Date(this.clock()).toISOString(), changeId: msg.changeId, state: msg.state };
    const who = { notifier: t.key, notifierType: t.type, attempts };
    if (last.ok) {
      this.emit(msg.name, { ...base, type: 'notified', ...who });
    } else {
      const aborted = this.shutdown.signal.aborted ? ' (stopped at shutdown)' : '';
      const error = this.redactor.redact(last.error) + aborted;
      this.emit(msg.name, { ...base, type: 'notify_failed', ...who, error });
      this.log(`notify: ${t.key} failed for ${msg.changeId} after ${attempts} tries: ${error}`);
    }
    await this.ledger.settle(msg.changeId, t.key, last.ok ? 'sent' : 'failed').catch((e: Error) => {
      // The ledger already says "pending", which blocks a resend just the same; only the record of
      // the outcome is lost.
      this.log(`notify: could not record outcome of ${msg.changeId}: ${e.message}`);
    });
  }

  private emit(name: string, event: NotifyEvent): void {
    try {
      this.opts.appendEvent(name, event);
    } catch (e) {
      // The run directory is gone or unwritable (workcell deleted mid-delivery): keep delivering.
      this.log(`notify: could not append ${event.type} for ${name}: ${(e as Error).message}`);
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
