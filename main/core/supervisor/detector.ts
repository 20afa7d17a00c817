// Detection made durable (one job): what PaneWatch sees on a live pane, what only a reader can derive
// (vanished, orphaned, a pane that died without an exit record), and why an ended agent ended (its
// last screen) become transitions with their evidence. Every write goes through Transitions.
import type { AgentName, WorkcellSummary } from '../../common/workcell.js';
import { isEnded } from '../../common/workcell.js';
import { loadPatterns, type VendorPatterns } from '../agents/patterns.js';
import { ERROR_REASONS } from '../detect/detect.js';
import { readEnd } from '../detect/endReason.js';
import { cleanTerminalText } from '../notify/format.js';
import type { ControlDir } from '../paths.js';
import type { Transitions } from '../transition.js';
import type { PaneWatch } from './paneWatch.js';

// Hook events that end an interactive turn (Claude Stop/StopFailure, Gemini AfterAgent, Codex notify).
const TURN_END_EVENTS = /^(Stop|StopFailure|AfterAgent|agent-turn-complete|task_complete)\b/;

export interface Looked {
  w: WorkcellSummary;
  /** The agent finished a turn at this look (running -> idle after work). */
  turnEnd: boolean;
}

export class Detector {
  constructor(
    private readonly dir: ControlDir,
    private readonly transitions: Transitions,
    private readonly watch: PaneWatch,
    /** What an ended agent's "resets 3pm" is read against: the recovery playbook's clock, which its due
     * times are computed with (a test's ManualClock, else the real one). */
    private readonly now: () => number = Date.now,
  ) {}

  /** Looks at one live pane; a changed state is persisted (unless the exit won the race). */
  async look(w: WorkcellSummary, now: number): Promise<Looked> {
    const look = await this.watch.look(w, now, false);
    const d = look.detection;
    // The engine's own word ("pass 2 launched in tmux") is not a look at the agent: the first look
    // after it is recorded even when it finds the state the engine wrote, so the status says what the
    // supervisor saw. Recovery's check of a relaunch waits for exactly that (confirm.ts): when the
    // engine's `running` was written before this look (a race a loaded machine loses), the same state
    // was dropped as no news and a relaunched agent that went on working was never confirmed.
    const engineSaid = w.evidence?.source === 'engine';
    if (look.state === w.state && !engineSaid && (!d || d.resetAt === (w.resetAt ?? undefined)))
      return { w, turnEnd: false };
    const at = new Date(now).toISOString();
    const evidence = d?.evidence ?? { source: 'pane', detail: 'output, no state pattern matched', at };
    const t = await this.transitions.transition(w.name, {
      to: look.state,
      when: (s) => !isEnded(s.state) && s.pass === w.pass,
      evidence,
      patch: { resetAt: d?.resetAt ?? null, reason: d?.reason ?? null },
    });
    if (!t.applied) return { w, turnEnd: false };
    const s = t.status;
    // An idle that stopped on an error is told by its reason (api_error, network), not as a finished turn.
    const stoppedOnError = !!d?.reason && (ERROR_REASONS as readonly string[]).includes(d.reason);
    const turnEnd =
      s.state === 'idle' &&
      !stoppedOnError &&
      (t.from === 'running' || t.from === 'stalled') &&
      (evidence.source === 'pane' || evidence.source === 'title' || TURN_END_EVENTS.test(evidence.detail));
    return {
      w: { ...w, state: s.state, evidence: s.evidence, resetAt: s.resetAt, reason: s.reason },
      turnEnd,
    };
  }

  // Patterns read from disk at most this often per agent: an exit's report must not wait on reading and
  // compiling the pattern files (an edited override still applies within seconds).
  private readonly patterns = new Map<string, { at: number; p: VendorPatterns }>();
  private patternsOf(agent: AgentName): VendorPatterns {
    const hit = this.patterns.get(agent);
    if (hit && Date.now() - hit.at < 10_000) return hit.p;
    const p = loadPatterns(agent, this.dir.patterns).patterns;
    this.patterns.set(agent, { at: Date.now(), p });
    return p;
  }

  /** States a reader derives before anyone wrote them: vanished, orphaned, a pane that died without an
   * exit record, and an exit the wrapper recorded while its finisher has not yet started (it waits a
   * moment, see home.ts): status.json says what the user was told, at once. Whoever writes first (the
   * finisher or us) writes the timeline; the second finds nothing to change. */
  async persistDerived(w: WorkcellSummary): Promise<void> {
    await this.transitions.transition(w.name, {
      to: w.state,
      when: (s) => s.state !== w.state && s.pass === w.pass,
      evidence: w.evidence,
      patch: { endedAt: w.endedAt, exitCode: w.exitCode, signal: w.signal },
      ...(w.evidence?.source === 'exit'
        ? { event: { type: 'exited', exitCode: w.exitCode, signal: w.signal, pass: w.pass } }
        : {}),
    });
  }

  /** Why an agent ended, when its last screen says (not logged in, usage limit, no network): the exit
   * code alone reads "failed (1)"; the notification should say what to do. Also persisted. */
  endReason(w: WorkcellSummary, excerpt: string): WorkcellSummary {
    const end = readEnd({
      agent: w.agent,
      screen: cleanTerminalText(excerpt),
      exitStatus: w.state === 'done' ? 0 : (w.exitCode ?? null),
      now: new Date(this.now()),
      patterns: this.patternsOf(w.agent),
    });
    if (!end) return w;
    const { detection: d, reason } = end;
    const detail = `${w.evidence?.detail ?? w.state}; last screen: ${d.evidence.detail}`;
    const evidence = { ...(w.evidence ?? d.evidence), detail };
    void this.transitions
      .transition(w.name, {
        when: (s) => !s.reason && s.pass === w.pass,
        evidence,
        patch: { reason, resetAt: d.resetAt ?? w.resetAt },
      })
      .catch(() => {
        // run dir removed meanwhile (gc --remove): the notification still carries the reason
      });
    return { ...w, reason, resetAt: d.resetAt ?? w.resetAt, evidence };
  }
}
