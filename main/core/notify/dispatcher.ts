// Delivers state changes to every configured channel: at least once per (change, channel) across
// crashes, never twice where a send completed, bursts folded into one digest per channel, retried with
// backoff, concurrent (a dead channel delays nobody), and never throwing into the supervisor.
import { join } from 'node:path';
import {
  notifyMatches,
  type NotifierType,
  type NotifyEvent,
  type NotifyMessage,
  type StateChange,
} from '../../common/notify.js';
import { systemClock, type Clock } from '../../common/lifecycle.js';
import type { Settings } from '../../common/settings.js';
import type { ControlDir } from '../paths.js';
import { formatDigest } from './digest.js';
import { dashboardOrigin } from '../bridge/stableBridge.js';
import { formatMessage, testChange, type FormatContext } from './format.js';
import { burstTiming, ChannelLane } from './lane.js';
import { NotifiedLedger, LEDGER } from './ledger.js';
import { buildNotifiers, type ConfiguredNotifier } from './registry.js';
import { Redactor, makeSecretResolver, registerInlineSecrets, type Keychain } from './secrets.js';
import { failed, type NotifierFactories, type SendResult } from './types.js';
import { trace } from '../trace.js';

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
  /** Secrets the desktop app handed over from its keychain (the daemon holds them in memory only). */
  keychain?: Keychain;
  platform?: NodeJS.Platform;
  /** ms since epoch; for event times, the staleness check, the ledger and the burst window. */
  clock?: () => number;
  /** The burst window's timers (a fake in tests). */
  timers?: Clock;
  /** Changes within this many ms after a send are held and sent as one digest once they settle (see
   * ChannelLane), at most this long. Default BURST.windowMs. */
  burstWindowMs?: number;
  /** Re-send the pending sends of a dead predecessor on construction (default true). `resume()` does
   * the same on demand and returns when they are handed to the channels. */
  resume?: boolean;
  /** The supervisor's seam for a change the ledger does not know (a lost or corrupt ledger, or one
   * older than the ledger): true "already reported" (recorded, not sent), false "never reported"
   * (sent), null unknown (sent only if it is not older than the ledger's memory). The supervisor can
   * answer from the `notified` lines in the workcell's events.jsonl. */
  reported?: (change: StateChange, notifier: string) => boolean | null;
  retry?: Partial<RetryPolicy>;
  /** The zone reset times are shown in (IANA name); default: the machine's. */
  timeZone?: string;
  /** The dashboard origin links point at; default: this home's stable `workcell ui` URL, if any. */
  dashboard?: () => string | null;
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
  private readonly lanes = new Map<string, ChannelLane<Item>>();
  private readonly shutdown = new AbortController();
  private closed = false;
  private resumed: Promise<void> | null = null;

  constructor(private readonly opts: DispatcherOptions) {
    this.clock = opts.clock ?? Date.now;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    const log = opts.log ?? (() => {});
    this.log = (line) => log(this.redactor.redact(line));
    this.ledger = new NotifiedLedger(join(opts.dir.state, 'notified.json'), this.clock, this.log);
    this.settings = opts.settings;
    this.setSettings(opts.settings);
    if (opts.resume !== false) void this.resume();
  }

  /** Re-sends every pending send a dead process left in the ledger (younger than
   * LEDGER.resendWindowMs), through the usual lanes: a burst of them is one digest per channel.
   * Idempotent; never rejects. */
  resume(): Promise<void> {
    this.resumed ??= this.ledger.takeOver().then(
      (resends) => {
        if (resends.length > 0) this.log(`notify: re-sending ${resends.length} interrupted notification(s)`);
        for (const r of resends) {
          for (const key of r.keys) {
            const t = this.notifiers.find((n) => n.key === key);
            if (t) this.lane(t).push({ t, msg: r.msg });
            else {
              this.log(`notify: ${r.changeId}: notifier ${key} is no longer configured; not re-sent`);
              this.track(this.ledger.settle(r.changeId, key, 'failed'));
            }
          }
        }
      },
      (e: Error) => this.log(`notify: could not read pending notifications: ${e.message}`),
    );
    return this.resumed;
  }

  /** Applies edited settings to later notifications; deliveries under way finish with the old ones. */
  setSettings(settings: Settings): void {
    this.settings = settings;
    registerInlineSecrets(settings, this.redactor);
    const env = this.opts.env ?? process.env;
    const ctx = {
      env,
      platform: this.opts.platform ?? process.platform,
      secrets: makeSecretResolver(env, this.opts.dir.root, this.redactor, this.opts.keychain),
    };
    this.notifiers = buildNotifiers(settings, ctx, this.opts.factories);
  }

  /** Hands a change to every notifier subscribed to its state or its reason. Resolves as soon as the
   * intent (with the message) is on disk (milliseconds); deliveries continue in the background.
   * Never throws, never rejects.
   *
   * Delivery is at least once per (change, notifier): intent and message are recorded in the ledger
   * BEFORE the first attempt and the entry stays `pending` until the channel answered. A process that
   * dies mid-send leaves it pending, and the next dispatcher re-sends it (`resume`). A change found in
   * the ledger is never handed out again, so a send that completed and was recorded is never repeated;
   * only one that reached the channel in the instant before a crash can arrive twice, with the same
   * idempotency key where the channel takes one. */
  /** Times in the user's zone (injected in tests), and the home's stable dashboard for links. */
  private formatContext(): FormatContext {
    return {
      now: this.clock(),
      timeZone: this.opts.timeZone,
      dashboard: (this.opts.dashboard ?? (() => dashboardOrigin(this.opts.dir)))(),
    };
  }

  async notify(change: StateChange): Promise<void> {
    try {
      if (this.closed) {
        this.log(`notify: ${change.id} after close, not sent`);
        return;
      }
      const targets = this.notifiers.filter((n) => notifyMatches(n.on, change));
      if (targets.length === 0) return;
      const keys = targets.map((t) => t.key);
      if (this.settings.muted.includes(change.name) || this.opts.isMuted?.(change.name) === true) {
        // Recorded as muted so unmuting later does not replay the old news.
        await this.ledger.claim(change.id, change.name, keys, { status: 'muted' });
        return;
      }
      const at = Date.parse(change.at);
      if (this.clock() - at > LEDGER.retentionMs) {
        // Older than the ledger remembers: we cannot tell whether it was sent, so we do not send it.
        this.log(`notify: ${change.id} is older than the dedupe window, not sent`);
        return;
      }
      const msg = formatMessage(change, this.formatContext());
      const reported = this.opts.reported;
      // Deliveries start now; notify() resolves once their intent is on disk (see NotifiedLedger.apply).
      const claimed = this.ledger.claimNow(change.id, change.name, keys, {
        msg,
        at,
        reported: reported ? (key) => reported(change, key) : undefined,
      });
      trace(this.log, 'claimed', change.name);
      const fresh = new Set(claimed.value);
      for (const t of targets) if (fresh.has(t.key)) this.lane(t).push({ t, msg });
      await claimed.durable;
      trace(this.log, 'durable', change.name);
    } catch (e) {
      // A bug or an unwritable state/ directory: the supervisor must keep running; say so and move on.
      this.log(`notify: ${change.id} not sent: ${(e as Error).stack ?? String(e)}`);
    }
  }

  /** `workcell notify test`: one attempt on every notifier (or those of `only`), no dedupe, no events. */
  async sendTest(only?: NotifierType): Promise<TestOutcome[]> {
    const msg = formatMessage(testChange(new Date(this.clock()).toISOString()), this.formatContext());
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

  /** Resolves when every delivery handed out so far (held ones and retries included) has finished. */
  async flush(): Promise<void> {
    await this.resumed;
    for (;;) {
      await Promise.all([...this.lanes.values()].map((l) => l.idle()));
      if (this.inFlight.size === 0) break;
      await Promise.allSettled([...this.inFlight]);
    }
    await this.ledger.idle();
  }

  /** Stops accepting changes, sends what the burst window holds at once, gives deliveries `graceMs`,
   * then aborts the rest and waits for the ledger. An aborted send stays pending in the ledger: the
   * next dispatcher re-sends it. */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) lane.drain();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([this.flush(), grace]);
    clearTimeout(timer);
    this.shutdown.abort(new Error('supervisor shutting down'));
    await this.flush();
  }

  private track(work: Promise<void>): void {
    const p = work.catch((e: Error) => {
      // Only ledger writes are tracked here; a failure leaves the entry pending (re-sent next start).
      this.log(`notify: ${e.message}`);
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

  private lane(t: ConfiguredNotifier): ChannelLane<Item> {
    let lane = this.lanes.get(t.key);
    if (!lane) {
      const timing = burstTiming(this.opts.burstWindowMs);
      lane = new ChannelLane<Item>(timing, this.clock, this.opts.timers ?? systemClock, (batch) =>
        this.deliver(batch).catch((e: Error) => {
          // deliver() contains every expected failure; this is a bug, logged rather than crashing the host.
          this.log(`notify: delivery bug: ${e.stack ?? String(e)}`);
        }),
      );
      this.lanes.set(t.key, lane);
    }
    return lane;
  }

  /** One message (or one digest of several) to one channel, retried; then one event and one ledger
   * outcome per change in it. */
  private async deliver(batch: Item[]): Promise<void> {
    // Every item of a lane has the same key; the newest carries the settings in force now.
    const t = batch[batch.length - 1]!.t;
    const members = batch.map((b) => b.msg);
    const msg = members.length === 1 ? members[0]! : formatDigest(members);
    let attempts = 0;
    let last: SendResult = failed('not attempted', false);
    trace(this.log, 'send', members.map((m) => m.name).join(','));
    while (attempts < this.retry.attempts) {
      attempts++;
      last = await this.attempt(t, msg);
      if (last.ok || !last.retry || attempts >= this.retry.attempts || this.shutdown.signal.aborted) break;
      const delay = Math.min(this.retry.firstDelayMs * 2 ** (attempts - 1), this.retry.maxDelayMs);
      await abortableSleep(delay, this.shutdown.signal);
      if (this.shutdown.signal.aborted) break;
    }
    trace(this.log, 'sent', members.map((m) => m.name).join(','));
    const stopped = !last.ok && this.shutdown.signal.aborted;
    const who = { notifier: t.key, notifierType: t.type, attempts };
    const digest = members.length > 1 ? { digest: members.length } : {};
    const error = last.ok
      ? ''
      : this.redactor.redact(last.error) + (stopped ? ' (stopped at shutdown; re-sent on next start)' : '');
    if (!last.ok)
      this.log(
        `notify: ${t.key} failed for ${msg.idempotencyKey ?? msg.changeId} after ${attempts} tries: ${error}`,
      );
    const at = new Date(this.clock()).toISOString();
    for (const m of members) {
      const base = { at, changeId: m.changeId, state: m.state, ...who, ...digest };
      this.emit(m.name, last.ok ? { ...base, type: 'notified' } : { ...base, type: 'notify_failed', error });
    }
    // Stopped at shutdown: left pending, so the next dispatcher sends it (at least once).
    if (stopped) return;
    const status = last.ok ? 'sent' : 'failed';
    // The outcome is written behind (flush and close wait for it): the lane is free for the next
    // message at once. Awaited here, a burst's digest waited for the fsync that recorded the message
    // before it (800 ms on a loaded machine). A crash before the write re-sends, never loses.
    this.track(
      Promise.all(
        members.map((m) =>
          this.ledger.settle(m.changeId, t.key, status).catch((e: Error) => {
            // The entry stays "pending": the next start re-sends it (a duplicate, never a loss).
            this.log(`notify: could not record outcome of ${m.changeId}: ${e.message}`);
          }),
        ),
      ).then(() => undefined),
    );
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

interface Item {
  t: ConfiguredNotifier;
  msg: NotifyMessage;
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
