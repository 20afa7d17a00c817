// Which state changes become a desktop notification, with what text and urgency, and how bursts
// are folded. Pure (no electron; the clock is passed in) so it is table-tested under plain node.
// The supervisor already persists "one notification per state change" across restarts; this policy
// only shapes what the desktop shows and keeps a storm (tmux server killed, catch-up after sleep)
// from burying the screen in bubbles.
import {
  DEFAULT_NOTIFY_ON,
  isTurnEnd,
  notifyMatches,
  verifyOutcome,
  type NotifyOn,
  type StateChange,
} from '../common/notify.js';
import type { Evidence, WorkcellState } from '../common/workcell.js';

export type Urgency = 'low' | 'normal' | 'critical';

/** One state change as the app hears it from the supervisor (the core's NotifyMessage fits). */
export interface DesktopChange {
  name: string;
  state: WorkcellState;
  from: WorkcellState | null;
  evidence?: Evidence | null;
  /** A few lines of the pane or log around the cause. */
  excerpt?: string | null;
  reason?: string | null;
  exitCode?: number | null;
  signal?: string | null;
  resetAt?: string | null;
  /** done + verify: true verified, false "claimed done, not verified", null not run. */
  verified?: boolean | null;
  /** The verify.sh outcome of a completion (done, failed, turn end). */
  verify?: StateChange['verify'];
  /** The core's already-formatted digest of a burst: shown as one summary bubble with its own
   * title and body (the dispatcher folded the burst, per channel, before it got here). */
  digest?: { count: number; messages: unknown[] } | null;
  title?: string;
  body?: string;
  muted?: boolean;
  /** `workcell notify test`: always shown, never deduplicated. */
  test?: boolean;
}

export type Decision =
  | { kind: 'skip'; why: string }
  | { kind: 'show'; name: string; title: string; body: string; urgency: Urgency }
  /** Replace the one summary bubble of the current burst (close the previous one, show this). */
  | { kind: 'summary'; title: string; body: string; urgency: Urgency; names: string[] };

export const NOTIFY = {
  /** A waiting <-> running flap (an agent asking, then auto-continuing) must not ping twice a minute. */
  repeatWindowMs: 60_000,
  /** More than this many bubbles at once is noise: fold the rest into one summary. */
  burstMax: 3,
  /** Changes this close together are one event for the user (a tmux restart reports all at once). */
  burstWindowMs: 5_000,
  /** Notification bodies are clipped by every OS around 3 lines; keep the useful end of the excerpt. */
  bodyChars: 200,
} as const;

/** What the desktop notifier subscribes to when settings.json has no notifiers list at all (a tray
 * app that never notifies would look broken); an explicit list without `desktop` means none. */
export const DEFAULT_DESKTOP_ON: readonly NotifyOn[] = DEFAULT_NOTIFY_ON;

/** The union of the `on` lists of every `desktop` notifier in settings.json. */
export function desktopSubscriptions(notifiers: unknown): NotifyOn[] {
  if (notifiers === undefined) return [...DEFAULT_DESKTOP_ON];
  if (!Array.isArray(notifiers)) return [];
  const on = new Set<NotifyOn>();
  for (const n of notifiers) {
    if (typeof n !== 'object' || n === null) continue;
    const rec = n as { type?: unknown; on?: unknown };
    if (rec.type !== 'desktop') continue;
    const states = Array.isArray(rec.on) ? rec.on : DEFAULT_DESKTOP_ON;
    for (const s of states) if (typeof s === 'string') on.add(s as NotifyOn);
  }
  return [...on];
}

const DONE_TEXT = {
  verified: 'done, verified',
  failed: 'claimed done, not verified',
  none: 'done (no verify.sh)',
  pending: 'done, verify still running',
  unknown: 'done',
} as const;
const TURN_TEXT = {
  verified: 'finished its turn: verified',
  failed: 'finished its turn: claimed done, not verified',
  none: 'finished its turn (no verify.sh)',
  pending: 'finished its turn, verify still running',
  unknown: 'finished its turn',
} as const;

export function headline(c: DesktopChange): string {
  if (isTurnEnd(c)) return TURN_TEXT[verifyOutcome(c)];
  if (c.state === 'failed' && c.reason === 'auth_failed') return 'lost its login and exited';
  switch (c.state) {
    case 'done':
      return DONE_TEXT[verifyOutcome(c)];
    case 'failed':
      if (c.signal) return `failed (${c.signal})`;
      return typeof c.exitCode === 'number' ? `failed (exit ${c.exitCode})` : 'failed';
    case 'waiting':
      return 'waiting for you';
    case 'idle':
      return 'idle at its prompt';
    case 'stalled':
      return 'stalled: no progress';
    case 'rate_limited':
      return 'hit a usage limit';
    case 'auth_failed':
      return 'needs you to log in again';
    case 'vanished':
      return 'vanished (tmux session gone)';
    case 'orphaned':
      return 'orphaned (session gone, processes still running)';
    case 'killed':
      return 'killed';
    case 'running':
      return c.from === 'waiting' || c.from === 'idle' ? 'running again' : 'running';
    case 'starting':
      return 'starting';
  }
}

export function urgencyOf(c: DesktopChange): Urgency {
  if ((c.state === 'done' || isTurnEnd(c)) && verifyOutcome(c) === 'failed') return 'critical';
  switch (c.state) {
    case 'waiting':
    case 'failed':
    case 'auth_failed':
    case 'vanished':
    case 'orphaned':
      return 'critical';
    case 'done':
    case 'stalled':
    case 'rate_limited':
    case 'idle':
      return 'normal';
    default:
      return 'low';
  }
}

function clipEnd(text: string, max: number): string {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim().length > 0);
  const joined = lines.join('\n');
  return joined.length <= max ? joined : `…${joined.slice(joined.length - max + 1)}`;
}

export function bodyOf(c: DesktopChange): string {
  const parts: string[] = [];
  if (c.state === 'rate_limited' && c.resetAt) parts.push(`resets at ${c.resetAt}`);
  // A failed verify: its last lines say why, better than the agent's own last words.
  const verifyTail = verifyOutcome(c) === 'failed' ? (c.verify?.tail?.trim() ?? '') : '';
  const detail =
    verifyTail ||
    c.excerpt?.trim() ||
    c.evidence?.detail?.trim() ||
    (isTurnEnd(c) ? '' : c.reason?.trim()) ||
    '';
  if (detail && !(c.state === 'failed' && detail === 'auth_failed')) parts.push(detail);
  // What to do goes last: clipping keeps the end.
  if (c.state === 'orphaned') parts.push(`End them: workcell kill ${c.name}`);
  if (c.state === 'failed' && c.reason === 'auth_failed')
    parts.push(`Log the agent in again, then: workcell resume ${c.name}`);
  return clipEnd(parts.join('\n'), NOTIFY.bodyChars);
}

/** Stateful only in its memory of recent bubbles; the caller owns the clock. */
export class NotificationPolicy {
  private readonly lastShown = new Map<string, number>();
  private burst: { start: number; shown: number; folded: string[] } = {
    start: -Infinity,
    shown: 0,
    folded: [],
  };

  constructor(private subscribed: ReadonlySet<NotifyOn>) {}

  setSubscriptions(states: Iterable<NotifyOn>): void {
    this.subscribed = new Set(states);
  }

  decide(c: DesktopChange, now: number): Decision {
    if (c.test)
      return {
        kind: 'show',
        name: c.name,
        title: `[test] ${c.name}: ${headline(c)}`,
        body: bodyOf(c),
        urgency: urgencyOf(c),
      };
    if (c.muted) return { kind: 'skip', why: 'muted' };
    if (c.digest) {
      // Already filtered and folded by the dispatcher: one summary bubble, replacing the last one.
      const names = (c.digest.messages as Array<{ name?: unknown }>).map((m) => String(m.name ?? ''));
      return {
        kind: 'summary',
        title: c.title ?? `${c.digest.count} workcells changed`,
        body: clipEnd(c.body ?? '', NOTIFY.bodyChars),
        urgency: urgencyOf(c),
        names,
      };
    }
    if (!notifyMatches(this.subscribed, c))
      return { kind: 'skip', why: `not subscribed to ${c.reason ? `${c.state} or ${c.reason}` : c.state}` };
    if (c.from === c.state) return { kind: 'skip', why: 'no change' };
    const key = `${c.name}\u0000${c.state}`;
    const last = this.lastShown.get(key);
    if (last !== undefined && now - last < NOTIFY.repeatWindowMs)
      return { kind: 'skip', why: 'repeat within window' };
    this.lastShown.set(key, now);
    this.forgetOld(now);

    if (now - this.burst.start > NOTIFY.burstWindowMs) this.burst = { start: now, shown: 0, folded: [] };
    if (this.burst.shown < NOTIFY.burstMax) {
      this.burst.shown += 1;
      return {
        kind: 'show',
        name: c.name,
        title: `${c.name}: ${headline(c)}`,
        body: bodyOf(c),
        urgency: urgencyOf(c),
      };
    }
    this.burst.folded.push(`${c.name}: ${headline(c)}`);
    const n = this.burst.folded.length;
    return {
      kind: 'summary',
      title: `${n} more workcell${n === 1 ? '' : 's'} changed`,
      body: clipEnd(this.burst.folded.join('\n'), NOTIFY.bodyChars),
      urgency: 'normal',
      names: this.burst.folded.map((l) => l.slice(0, l.indexOf(':'))),
    };
  }

  /** Keeps the map bounded over a long-running app. */
  private forgetOld(now: number): void {
    for (const [k, t] of this.lastShown) if (now - t >= NOTIFY.repeatWindowMs) this.lastShown.delete(k);
  }
}
