// Did a usage-limit resume work (issue 11)? Tools that "resume" without looking report RESUMED while
// the banner is still on screen, and a relaunch that could not find the conversation starts blank.
// So the daemon checks the way `workcell resume` does (resumeCheck.ts: the vendor reopened the same
// conversation, no dialog blocks it) and then that the agent keeps working without the limit coming
// back for a moment: a limit that is still there shows within one or two looks of the supervisor.
// Runs beside the recoverer's step (it takes seconds), reading status.json the supervisor writes: the
// one derived state, so "banner gone" means what the detector says it means everywhere else.
import { isEnded, type WorkcellStatus } from '../../common/workcell.js';
import { loadPatterns } from '../agents/patterns.js';
import { join } from 'node:path';
import { readEnd } from '../detect/endReason.js';
import { readTail } from '../fsutil.js';
import { cleanTerminalText } from '../notify/format.js';
import { RUN_FILES, type ControlDir } from '../paths.js';
import { confirmResume } from '../resumeCheck.js';
import type { RunStore } from '../runStore.js';
import type { Tmux } from '../tmux.js';
import { CONTINUE_MARK, RECOVERY, limitAfterTurn, stateMark } from './plan.js';
import type { LimitCheck, LimitSchedule } from './record.js';

export const CONFIRM = {
  // The agent must keep working this long: the detector sees a banner that comes straight back (the
  // canary's limit was not really reset) within a look or two, each well under a second after output.
  holdMs: 3_000,
  // `workcell resume` waits 15 s for the vendor's evidence by default; the same here.
  resumeEvidenceMs: 15_000,
  pollMs: 200,
} as const;

export interface CheckDeps {
  dir: ControlDir;
  tmux: Tmux;
  store: RunStore;
  signal: AbortSignal;
  holdMs?: number;
  withinMs?: number;
  /** The recoverer's clock: a reset the agent printed on its way out is read against it. */
  now?: () => number;
}

// The end of agent.log read when the dead pane is gone: as much as the supervisor reads for its excerpt.
const LOG_TAIL_BYTES = 4_096;

/** Why the pass ended, read from its dead pane (or, once the pane closed, the end of its log). In the
 * pass we typed the continue turn into, only what came after the turn: the limit it answered is above. */
async function readEndOf(d: CheckDeps, name: string, s: WorkcellStatus, samePass: boolean) {
  const cap = await d.tmux.capture(name, { dead: true });
  const raw =
    cap.ok && cap.value.trim()
      ? cap.value
      : await readTail(join(d.dir.runDir(name), RUN_FILES.log), LOG_TAIL_BYTES).catch(() => ''); // run dir removed meanwhile
  let text = cleanTerminalText(raw);
  const turn = samePass ? text.lastIndexOf(CONTINUE_MARK) : -1;
  if (turn >= 0) text = text.slice(text.indexOf('\n', turn) + 1);
  return readEnd({
    agent: s.agent,
    screen: text,
    exitStatus: s.state === 'done' ? 0 : s.exitCode,
    now: new Date((d.now ?? Date.now)()),
    patterns: loadPatterns(s.agent, d.dir.patterns).patterns,
  });
}

const limited = (s: WorkcellStatus) =>
  s.state === 'rate_limited' || (isEnded(s.state) && s.reason === 'rate_limited');
const WORKING = ['running', 'waiting', 'idle', 'done'];

/** Watches one fired resume until it is clearly working, clearly not, or the deadline passes. */
export async function checkLimitGone(d: CheckDeps, name: string, l: LimitSchedule): Promise<LimitCheck> {
  const at = () => new Date().toISOString();
  const hold = d.holdMs ?? CONFIRM.holdMs;
  const deadline = Date.now() + (d.withinMs ?? RECOVERY.confirmWithinMs);
  const first = await d.store.readStatus(name);
  if (!first) return { verdict: 'not_working', detail: 'the workcell is gone', at: at() };
  if (first.pass !== l.seenPass) {
    // Relaunched: the same evidence `workcell resume` waits for. A blank conversation is not a resume.
    const r = await confirmResume(d.dir, d.tmux, d.store, name, {
      timeoutMs: CONFIRM.resumeEvidenceMs,
      signal: d.signal,
    });
    if (r.verdict === 'mismatch' || r.verdict === 'waiting')
      return { verdict: r.verdict, detail: r.detail, at: at() };
    if (r.verdict === 'unconfirmed' && d.signal.aborted)
      return { verdict: 'not_working', detail: 'stopped', at: at() };
  }
  let since: number | null = null;
  let limitedSince: number | null = null;
  const limitRes = (agent: string) => loadPatterns(agent, d.dir.patterns).patterns.pane.rate_limited;
  for (;;) {
    if (d.signal.aborted) return { verdict: 'not_working', detail: 'the supervisor stopped', at: at() };
    const s = await d.store.readStatus(name);
    if (!s) return { verdict: 'not_working', detail: 'the workcell is gone', at: at() };
    const ev = s.evidence ? `${s.evidence.source}: ${s.evidence.detail}` : s.state;
    // A state begun after the firing (the limit the firing answered is still the state until the
    // supervisor's next look).
    const moved = s.pass !== l.seenPass || stateMark(s) !== (l.seenSince ?? null);
    if (moved && limited(s))
      return { verdict: 'limited', detail: `the limit is still there (${ev})`, resetAt: s.resetAt, at: at() };
    // The same limit state again after a continue turn: the detector sees the same blocker and records
    // no new state, so the screen says it: a limit line below our turn (or the turn cleared away), and
    // the agent not busy for the hold time (one still taking the turn moves to running before that).
    let back = false;
    if (!moved && limited(s) && s.pass === l.seenPass) {
      const cap = await d.tmux.capture(name, { lines: 40 });
      back = cap.ok && limitAfterTurn(cap.value, limitRes(s.agent));
    }
    limitedSince = back ? (limitedSince ?? Date.now()) : null;
    if (limitedSince !== null && Date.now() - limitedSince >= hold)
      return {
        verdict: 'limited',
        detail: `the limit is back on screen after the continue turn (${ev})`,
        at: at(),
      };
    const working = moved && s.evidence?.source !== 'engine' && WORKING.includes(s.state);
    if (working && s.state === 'done')
      return { verdict: 'working', detail: `the agent finished its task (${ev})`, at: at() };
    if (isEnded(s.state) && moved) {
      // Its reason lands in status.json when the supervisor tells the end, which may come after this
      // look: read the last screen the same way (readEnd), so a limit printed on the way out is never
      // taken for a plain failure, nor the reset it named lost.
      const end = s.reason ? null : await readEndOf(d, name, s, s.pass === l.seenPass);
      if (end?.reason === 'rate_limited')
        return {
          verdict: 'limited',
          detail: `the limit is still there (last screen: ${end.detection.evidence.detail})`,
          resetAt: end.detection.resetAt ?? null,
          at: at(),
        };
      const why = s.reason ?? end?.reason;
      return { verdict: 'ended', detail: `${s.state}${why ? ` (${why})` : ''}: ${ev}`, at: at() };
    }
    since = working ? (since ?? Date.now()) : null;
    if (since !== null && Date.now() - since >= hold)
      return {
        verdict: 'working',
        detail: `${s.state} for ${hold / 1000} s without the limit (${ev})`,
        at: at(),
      };
    if (Date.now() >= deadline)
      return {
        verdict: 'not_working',
        detail: `not working again within ${(d.withinMs ?? RECOVERY.confirmWithinMs) / 1000} s (${s.state}: ${ev})`,
        at: at(),
      };
    await new Promise((r) => setTimeout(r, CONFIRM.pollMs));
  }
}
