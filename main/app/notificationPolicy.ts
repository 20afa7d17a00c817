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
import { wantsSound, type SoundOn, type SoundSource } from '../common/notifySound.js';
import { formatMessage } from '../core/notify/format.js';

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
  /** The core's words (main/core/notify/format.ts), the same every channel shows. A change without
   * them is formatted here by the same formatter. */
  title?: string;
  body?: string;
  changeId?: string;
  at?: string;
  repo?: string | null;
  startedAt?: string | null;
  muted?: boolean;
  /** `workcell notify test`: always shown, never deduplicated. */
  test?: boolean;
}

export type Decision =
  | { kind: 'skip'; why: string }
  | {
      kind: 'show';
      name: string;
      title: string;
      body: string;
      urgency: Urgency;
      sound: boolean;
      test?: boolean;
    }
  /** Replace the one summary bubble of the current burst (close the previous one, show this). */
  | { kind: 'summary'; title: string; body: string; urgency: Urgency; sound: boolean; names: string[] };

export const NOTIFY = {
  /** A waiting <-> running flap (an agent asking, then auto-continuing) must not ping twice a minute. */
  repeatWindowMs: 60_000,
  /** More than this many bubbles at once is noise: fold the rest into one summary. */
  burstMax: 3,
  /** Changes this close together are one event for the user (a tmux restart reports all at once). */
  burstWindowMs: 5_000,
  /** The formatter's bodies (facts, the question or error, what to do) run to ~360 characters for a
   * Claude question with three choices; 480 keeps them whole. Bubbles collapse long bodies and expand
   * on hover or click, so a whole question beats a cut one; past this fitBody drops middle lines. */
  bodyChars: 480,
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

/** A bubble body that fits: whole lines, the first (repo and how long it ran) and the last (what to
 * do) always kept, the lines between kept in order while they fit and the cut marked. Never the tail of
 * one long line, which is how a box border ended up as the whole question before. */
export function fitBody(text: string, max: number = NOTIFY.bodyChars): string {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim().length > 0)
    .map((l) => (l.length > max ? `${l.slice(0, max - 1)}…` : l));
  if (lines.join('\n').length <= max || lines.length <= 2) return lines.join('\n').slice(0, max);
  const first = lines[0]!;
  const last = lines[lines.length - 1]!;
  const kept = [first];
  let size = first.length + last.length + 4; // the two newlines around "…" and the "…" line
  for (const l of lines.slice(1, -1)) {
    if (size + l.length + 1 > max) break;
    kept.push(l);
    size += l.length + 1;
  }
  return [...kept, '…', last].join('\n');
}

/** Title and body in the words of every other channel: the message's own when the core formatted it,
 * else formatted here with the core's formatter. */
export function bubbleText(c: DesktopChange, now: number): { title: string; body: string } {
  if (c.title !== undefined && c.body !== undefined) return { title: c.title, body: fitBody(c.body) };
  const m = formatMessage(
    {
      id: c.changeId ?? `${c.name}:${c.state}`,
      name: c.name,
      state: c.state,
      from: c.from,
      at: c.at ?? new Date(now).toISOString(),
      reason: c.reason ?? null,
      exitCode: c.exitCode ?? null,
      signal: c.signal ?? null,
      resetAt: c.resetAt ?? null,
      evidence: c.evidence ?? null,
      verified: c.verified ?? null,
      excerpt: c.excerpt ?? null,
      repo: c.repo ?? null,
      startedAt: c.startedAt ?? null,
      verify: c.verify ?? null,
      ...(c.test ? { test: true } : {}),
    },
    { now },
  );
  return { title: m.title, body: fitBody(m.body) };
}

/** Stateful only in its memory of recent bubbles; the caller owns the clock. */
export class NotificationPolicy {
  private readonly lastShown = new Map<string, number>();
  private burst: { start: number; shown: number; folded: { name: string; title: string; sound: boolean }[] } =
    {
      start: -Infinity,
      shown: 0,
      folded: [],
    };

  constructor(private subscribed: ReadonlySet<NotifyOn>) {}

  setSubscriptions(states: Iterable<NotifyOn>): void {
    this.subscribed = new Set(states);
  }

  /** `sound`: which notifications ring (the desktop notifier's `sound` setting; absent: the default). */
  decide(c: DesktopChange, now: number, sound?: readonly SoundOn[]): Decision {
    if (c.test)
      return {
        kind: 'show',
        name: c.name,
        ...bubbleText(c, now),
        urgency: urgencyOf(c),
        sound: wantsSound(c as SoundSource, sound),
        test: true,
      };
    if (c.muted) return { kind: 'skip', why: 'muted' };
    if (c.digest) {
      // Already filtered and folded by the dispatcher: one summary bubble, replacing the last one.
      const names = (c.digest.messages as Array<{ name?: unknown }>).map((m) => String(m.name ?? ''));
      return {
        kind: 'summary',
        title: c.title ?? `${c.digest.count} workcells changed`,
        body: fitBody(c.body ?? ''),
        urgency: urgencyOf(c),
        sound: wantsSound(c as SoundSource, sound),
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
        ...bubbleText(c, now),
        urgency: urgencyOf(c),
        sound: wantsSound(c as SoundSource, sound),
      };
    }
    this.burst.folded.push({
      name: c.name,
      title: bubbleText(c, now).title,
      sound: wantsSound(c as SoundSource, sound),
    });
    const n = this.burst.folded.length;
    return {
      kind: 'summary',
      title: `${n} more workcell${n === 1 ? '' : 's'} changed`,
      body: fitBody(this.burst.folded.map((f) => f.title).join('\n')),
      urgency: 'normal',
      // The folded bubble replaces the last: it rings when the change it adds would.
      sound: this.burst.folded[n - 1]?.sound ?? false,
      names: this.burst.folded.map((f) => f.name),
    };
  }

  /** Keeps the map bounded over a long-running app. */
  private forgetOld(now: number): void {
    for (const [k, t] of this.lastShown) if (now - t >= NOTIFY.repeatWindowMs) this.lastShown.delete(k);
  }
}
