import type { AgentName, WorkcellState, WorkcellSummary } from '../../common/workcell.js';
import { loadPatterns, type VendorPatterns } from '../agents/patterns.js';
import { readHookEvents, type HookEvent } from '../agents/hooks.js';
import { findTranscript, readTranscript } from '../agents/transcripts.js';
import { LOGGING_AGENTS, findVendorLog, readVendorLog } from '../agents/vendorLogs.js';
import { detect, type Detection } from '../detect/detect.js';
import { progressKey } from '../detect/screen.js';
import type { Tmux } from '../tmux.js';
import type { Clocks } from './clocks.js';

// A pane that keeps printing is looked at no more than this often: 100 busy agents must not turn
// into 100 captures a second. A pane that goes quiet is looked at once more right away (settle),
// because that is when a question or a prompt appears.
export const CAPTURE = { busyEveryMs: 3_000, settleAfterMs: 1_200 } as const;
// Hook events kept per pane for the classifier (it wants the recent ones, oldest first).
export const HOOK_MEMORY = 20;
// How often a transcript not yet written is looked for (a readdir of a day or two of codex sessions).
const TRANSCRIPT_SEARCH_MS = 5_000;

interface Track {
  activity: number;
  title: string;
  capturedActivity: number;
  capturedTitle: string | null;
  capturedAt: number;
  progressKey: string;
  progressAt: number;
  hookOffset: number;
  hooks: HookEvent[];
  lastScreen: string;
  detection: Detection | null;
  patterns: VendorPatterns | null;
  /** The vendor's transcript (codex rollout), once found, and how far it was read. */
  transcript: { file: string | null; offset: number; searchedAt: number };
  /** The vendor's own log in the run dir (copilot, gemini: vendorLogs.ts) and how far it was read. */
  vendorLog: { file: string | null; offset: number; searchedAt: number };
  /** #{window_activity} has 1 s resolution: a capture within the second of the last output may have
   * missed its end (a question printed right after). One more look is due at this time (0: none). */
  recheckAt: number;
}

export interface Look {
  state: WorkcellState;
  detection: Detection | null;
  screen: string;
}

/** Per-pane memory for the classifier: what was captured when, last progress, hook offsets. */
export class PaneWatch {
  private readonly tracks = new Map<string, Track>();
  /** After a sleep/wake, thresholds restart from here (no false `stalled`). */
  wokeAt = 0;

  constructor(
    private readonly tmux: Tmux,
    private readonly patternDir: string,
    private readonly stallAfterMs: () => number,
    private readonly log: (line: string) => void,
    /** Where the agents keep their transcripts (their HOME); tests point it at a temp dir. */
    private readonly home?: string,
    /** Persisted progress clocks: a restarted supervisor continues them instead of starting at zero. */
    private readonly clocks?: Clocks,
    /** settings `thresholds.idleSeconds`: how long a screen or title must have looked idle (and been
     * quiet) before a working agent is reported `idle`. A hook's turn end is believed at once. */
    private readonly idleAfterMs: () => number = () => 0,
    /** The clock a detection's `now` is read from: what "resets 8pm" on a live pane is parsed against.
     * It is the recovery playbook's clock, which computes due times from that reset (a test's
     * ManualClock; absent: the supervisor's own `now`, the real time). The live look used the real
     * time while an ended pane's last screen (Detector.endReason) used the recovery clock, so a test
     * whose agent printed its limit line while the look was watching parked it at a reset read
     * against today's date (relaunchConfirm "limited again"). */
    private readonly detectNow?: () => number,
  ) {}

  private progressed(w: WorkcellSummary, t: Track, at: number): void {
    t.progressAt = at;
    this.clocks?.set(w.name, { progressAt: at, progressKey: t.progressKey, pass: w.pass });
  }

  /** Looks at one live, running workcell when something about it changed; otherwise returns the last look. */
  async look(w: WorkcellSummary, now: number, force: boolean): Promise<Look> {
    const pane = w.pane!;
    let t = this.tracks.get(w.name);
    if (!t) {
      const clock = this.clocks?.get(w.name, w.pass);
      t = {
        activity: pane.activity,
        title: pane.title,
        capturedActivity: -1,
        capturedTitle: null,
        capturedAt: 0,
        progressKey: clock?.progressKey ?? '',
        progressAt: clock?.progressAt ?? now,
        hookOffset: 0,
        hooks: [],
        lastScreen: '',
        detection: null,
        patterns: null,
        recheckAt: 0,
        transcript: { file: null, offset: 0, searchedAt: 0 },
        vendorLog: { file: null, offset: 0, searchedAt: 0 },
      };
      this.tracks.set(w.name, t);
    }
    t.activity = pane.activity;
    t.title = pane.title;

    const hooks = await readHookEvents(w.runDir, t.hookOffset).catch(() => ({
      events: [] as HookEvent[],
      nextOffset: t.hookOffset,
    }));
    t.hookOffset = hooks.nextOffset;
    const fromTranscript = await this.transcriptEvents(w, t, now);
    const fromLog = await this.vendorLogEvents(w, t, now);
    if (fromTranscript.length || fromLog.length)
      hooks.events = [...hooks.events, ...fromTranscript, ...fromLog].sort((a, b) =>
        a.at.localeCompare(b.at),
      );
    if (hooks.events.length) {
      t.hooks = [...t.hooks, ...hooks.events].slice(-HOOK_MEMORY);
      // Progress at the newest event's own time: a restarted supervisor re-reads old events, which must
      // not restart the stall clock.
      const latest = Math.min(now, Math.max(...hooks.events.map((e) => Date.parse(e.at) || 0)));
      if (latest > t.progressAt) this.progressed(w, t, latest);
    }
    const changed =
      t.capturedActivity !== pane.activity || t.capturedTitle !== pane.title || hooks.events.length > 0;
    const busyWait = now - t.capturedAt < CAPTURE.busyEveryMs && t.capturedActivity !== -1;
    const stallDue = now - this.baseline(t.progressAt) >= this.stallAfterMs();
    const recheckDue = t.recheckAt !== 0 && now >= t.recheckAt;
    if ((changed && (!busyWait || hooks.events.length > 0)) || stallDue || recheckDue || force) {
      const cap = await this.tmux.capture(w.name, {});
      if (cap.ok) {
        t.lastScreen = cap.value;
        t.capturedAt = now;
        t.capturedActivity = pane.activity;
        const quietSince = (pane.activity + 1) * 1000;
        t.recheckAt =
          now < quietSince + CAPTURE.settleAfterMs && !recheckDue ? quietSince + CAPTURE.settleAfterMs : 0;
        t.capturedTitle = pane.title;
        const key = progressKey(cap.value);
        if (key !== t.progressKey) {
          t.progressKey = key;
          this.progressed(w, t, now);
        }
        if (!t.patterns) {
          const p = loadPatterns(w.agent as AgentName, this.patternDir);
          if (p.error) this.log(`patterns: ${p.error.message} (using the built-in patterns)`);
          t.patterns = p.patterns;
        }
        // Every time detect sees is moved by one offset onto the detection clock, so its ages (no
        // output for ..., a log claim's 90 s) are the same as on the real clock and only the reset times
        // it parses come out in that clock's frame; the evidence time is moved back (it dates the state).
        const shift = this.detectNow ? this.detectNow() - now : 0;
        const moved = (ms: number) => new Date(ms + shift);
        const d = detect({
          agent: w.agent,
          screen: cap.value,
          title: pane.title,
          now: moved(now),
          lastOutputAt: moved(this.baseline(pane.activity * 1000)),
          lastProgressAt: moved(this.baseline(t.progressAt)),
          hookEvents: shift ? t.hooks.map((e) => ({ ...e, at: movedIso(e.at, shift) })) : t.hooks,
          patterns: t.patterns,
          stallAfterMs: this.stallAfterMs(),
        });
        t.detection =
          d && shift ? { ...d, evidence: { ...d.evidence, at: movedIso(d.evidence.at, -shift) } } : d;
      }
    }
    return { ...this.heldIdle(w, t, now), screen: t.lastScreen };
  }

  /** A prompt on screen while working is often a pause between tool calls, not the end of a turn: an
   * idle read from the screen or title counts once the pane has been quiet for idleSeconds (a look is
   * due then). Hook events (Stop, AfterAgent...) say the turn ended and are believed at once; a
   * workcell that was waiting or stalled becomes idle at once (the question was answered). */
  private heldIdle(w: WorkcellSummary, t: Track, now: number): Omit<Look, 'screen'> {
    const d = t.detection;
    const fromScreen = d?.evidence.source === 'pane' || d?.evidence.source === 'title';
    if (d?.state !== 'idle' || !fromScreen || (w.state !== 'running' && w.state !== 'starting'))
      return { state: d?.state ?? 'running', detection: d };
    const idleAt = this.baseline(t.activity * 1000) + this.idleAfterMs();
    if (now >= idleAt) return { state: 'idle', detection: d };
    t.recheckAt = t.recheckAt === 0 ? idleAt : Math.min(t.recheckAt, idleAt);
    return { state: 'running', detection: null };
  }

  /** New events from the vendor's transcript. The file appears with the agent's first turn, so it is
   * searched for (at most every TRANSCRIPT_SEARCH_MS) until found, then tailed. */
  private async transcriptEvents(w: WorkcellSummary, t: Track, now: number): Promise<HookEvent[]> {
    if (w.agent !== 'codex') return [];
    if (!t.transcript.file) {
      if (now - t.transcript.searchedAt < TRANSCRIPT_SEARCH_MS) return [];
      t.transcript.searchedAt = now;
      t.transcript.file = await findTranscript(w.agent, {
        cwd: w.repo,
        since: new Date(w.startedAt),
        now: new Date(now),
        home: this.home,
      }).catch(() => null);
      if (!t.transcript.file) return [];
    }
    const r = await readTranscript(w.agent, t.transcript.file, t.transcript.offset).catch(() => ({
      events: [],
      nextOffset: t.transcript.offset,
    }));
    t.transcript.offset = r.nextOffset;
    return r.events;
  }

  /** New events from the vendor's log in the run dir. Copilot starts a new process log on each pass
   * (a resume), so the newest is looked for every TRANSCRIPT_SEARCH_MS and read from its start. */
  private async vendorLogEvents(w: WorkcellSummary, t: Track, now: number): Promise<HookEvent[]> {
    if (!LOGGING_AGENTS.has(w.agent)) return [];
    const v = t.vendorLog;
    if (now - v.searchedAt >= TRANSCRIPT_SEARCH_MS) {
      v.searchedAt = now;
      const file = await findVendorLog(w.agent, w.runDir).catch(() => null);
      if (file && file !== v.file) [v.file, v.offset] = [file, 0];
    }
    if (!v.file) return [];
    const r = await readVendorLog(w.agent, v.file, v.offset).catch(() => ({
      events: [],
      nextOffset: v.offset,
    }));
    v.offset = r.nextOffset;
    return r.events;
  }

  /** When the next look is due without any event: the settle look of a pane that went quiet, or a
   * stall threshold. The supervisor sets one timer for the earliest. */
  nextDue(now: number): number | null {
    let due: number | null = null;
    for (const t of this.tracks.values()) {
      const candidates = [this.baseline(t.progressAt) + this.stallAfterMs()];
      if (t.recheckAt) candidates.push(t.recheckAt);
      if (t.capturedActivity !== t.activity)
        candidates.push(Math.max(t.capturedAt + CAPTURE.busyEveryMs, now + CAPTURE.settleAfterMs));
      for (const c of candidates) if (c > now - 1 && (due === null || c < due)) due = c;
    }
    return due;
  }

  private baseline(t: number): number {
    return Math.max(t, this.wokeAt);
  }

  screenOf(name: string): string {
    return this.tracks.get(name)?.lastScreen ?? '';
  }

  forget(name: string): void {
    this.tracks.delete(name);
  }

  names(): string[] {
    return [...this.tracks.keys()];
  }
}

/** An ISO time moved by `ms` (one that does not parse is left as it is). */
function movedIso(iso: string, ms: number): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t + ms).toISOString();
}
