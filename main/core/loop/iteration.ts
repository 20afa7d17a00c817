// One iteration of a loop: a fresh workcell on one PRD item, waited for, then judged on evidence.
// An item is done only when the agent signalled it (its box ticked, or the marker file
// $WORKCELL_RUN_DIR/item-done) AND git shows a real change beyond the PRD file AND verify passed. A box
// ticked without that is unticked again, with the reason in progress.md and events.jsonl: peers' loops
// marked tasks complete with no work done (ralph-tui #259) or on a failed run.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isEnded, type WorkcellStatus } from '../../common/workcell.js';
import type { Engine } from '../engine.js';
import { exists, readTail } from '../fsutil.js';
import { RUN_FILES } from '../paths.js';
import { changeBetween, type Change } from './evidence.js';
import { lastEntries, type LoopState, type Outcome } from './loopState.js';
import { findItem, parsePrd } from './prd.js';

/** The agent's explicit "this item is done" (besides ticking its box), in its run dir. A file, not a
 * line of output: a TUI echoes the brief, so any marker text in it would signal by itself. */
export const DONE_MARKER = 'item-done';
/** Notes the agent may leave for the next iteration; `PATTERN: ...` lines are kept for all later ones. */
export const NOTES_FILE = 'notes.md';
// How much of the repo's rules and of the agent's notes a brief or progress entry carries.
const RULES_BYTES = 4_096;
const NOTES_BYTES = 2_048;

export async function repoRules(repo: string): Promise<string | null> {
  const path = join(repo, 'SUPERVISOR.md');
  if (!(await exists(path))) return null;
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.slice(0, RULES_BYTES).trim() || null;
}

export function buildBrief(s: LoopState, itemText: string, rules: string | null, n: number): string {
  return [
    `Loop ${s.name}, iteration ${n}: do ONE item of the checklist in ${s.prd}, and only that item.`,
    '',
    `Item: ${itemText}`,
    '',
    'When it is done: commit your work, then tick the item\'s box ("- [x]") in the PRD file, or create',
    `the empty file ${DONE_MARKER} in $WORKCELL_RUN_DIR. Do not tick it if the work is not done: the`,
    'loop checks the change with git and runs the check itself, and unticks a box ticked without work.',
    `Leave notes for the next iteration in $WORKCELL_RUN_DIR/${NOTES_FILE}; lines starting with`,
    '"PATTERN:" are passed on to every later iteration.',
    ...(s.context ? ['', s.context] : []),
    '',
    '## Progress so far (last entries)',
    lastEntries(s, 5),
    '',
    '## Patterns learned',
    s.patterns.length ? s.patterns.map((p) => `- ${p}`).join('\n') : '(none yet)',
    ...(rules ? ['', '## Repo rules (SUPERVISOR.md)', rules] : []),
  ].join('\n');
}

export interface Ended {
  status: WorkcellStatus;
  timedOut: boolean;
  cancelled: boolean;
  /** The workcell was in a usage limit at some point (rate_limited). */
  sawLimit: boolean;
}

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
  /** Polled with the workcell's status: true asks for the iteration to be cancelled. */
  stopRequested: () => Promise<boolean>;
  now: () => number;
}

// The finisher (verify.sh, git summary) has this long after the exit to write its `finished` event;
// past it the iteration is judged on what is on disk (a finisher killed by a reboot never writes it).
const FINISH_GRACE_MS = 15 * 60_000;
// engine.status (a tmux call) only every this many polls: it tells a vanished session, which
// status.json alone cannot.
const DERIVE_EVERY = 20;

/** Waits until the workcell has ended and its finisher is done. Time spent in a usage limit does not
 * count against the timeout (the recovery issue resumes it at the reset). */
export async function waitForEnd(engine: Engine, name: string, o: WaitOptions): Promise<Ended | null> {
  let deadline = o.now() + o.timeoutMs;
  let timedOut = false;
  let cancelled = false;
  let sawLimit = false;
  let endedAt: number | null = null;
  let lastPoll = o.now();
  for (let i = 0; ; i++) {
    const s = await engine.store.readStatus(name);
    if (!s) return null;
    const now = o.now();
    if (s.state === 'rate_limited') {
      sawLimit = true;
      deadline += now - lastPoll;
    }
    lastPoll = now;
    let state = s.state;
    if (!isEnded(state) && i % DERIVE_EVERY === DERIVE_EVERY - 1) {
      const d = await engine.status(name);
      if (d.ok && d.value.state === 'vanished')
        return { status: { ...s, state: 'vanished' }, timedOut, cancelled, sawLimit };
      if (d.ok) state = d.value.state;
    }
    if (isEnded(state)) {
      endedAt ??= now;
      const events = await engine.store.readEvents(name);
      const finished = events.some((e) => e.type === 'finished' && (e.pass ?? 1) === s.pass);
      if (finished || now - endedAt > FINISH_GRACE_MS) {
        const last = (await engine.store.readStatus(name)) ?? s;
        // An agent that exits on a usage limit is `failed` with that reason (the supervisor reads the
        // dead pane's screen): a limit too, even if no poll caught the rate_limited state itself. When
        // no reason is recorded yet, limitedAtEnd (endScreen.ts) reads that screen for a failed verdict.
        return { status: last, timedOut, cancelled, sawLimit: sawLimit || last.reason === 'rate_limited' };
      }
    } else if (!timedOut && !cancelled && (now > deadline || (await o.stopRequested()))) {
      if (now > deadline) timedOut = true;
      else cancelled = true;
      await engine.kill(name, 'loop');
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}

export interface Verdict {
  outcome: Outcome;
  reason: string | null;
  /** The box was ticked without the evidence: untick it. */
  untick: boolean;
}

export interface Judged {
  state: WorkcellStatus['state'];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  ticked: boolean;
  marker: boolean;
  change: Pick<Change, 'files' | 'commits'>;
  verify: 'passed' | 'failed' | 'none';
  verifyWhy: string | null;
}

/** The outcome from the evidence (pure, table-tested in iteration.test.ts). */
export function judge(j: Judged): Verdict {
  const signalled = j.ticked || j.marker;
  const v = (outcome: Outcome, reason: string | null): Verdict => ({
    outcome,
    reason,
    untick: j.ticked && outcome !== 'succeeded' && outcome !== 'succeeded_unverified',
  });
  if (j.timedOut) return v('timed_out', 'the iteration ran past its time limit and was killed');
  if (j.state === 'killed' || j.cancelled) return v('cancelled', 'the workcell was killed');
  if (j.state === 'vanished')
    return v('failed', 'the workcell vanished (its tmux session is gone without an exit record)');
  if (j.state === 'failed')
    return v(
      'failed',
      j.signal ? `the agent ended by ${j.signal}` : `the agent exited with code ${j.exitCode ?? 'unknown'}`,
    );
  const changed = j.change.files.length > 0;
  const ticked = j.ticked ? '; its box was ticked without a change and is unticked' : '';
  if (!changed)
    return v(
      'no_output',
      `no change beyond the PRD file${j.change.commits ? ` (${j.change.commits} commit(s) touching only it)` : ''}${ticked}`,
    );
  if (!signalled)
    return v(
      'no_signal',
      `changed ${j.change.files.length} file(s) but neither ticked the box nor left the ${DONE_MARKER} marker`,
    );
  if (j.verify === 'failed') return v('failed', `verify failed: ${j.verifyWhy ?? 'see verify.log'}`);
  if (j.verify === 'none') return v('succeeded_unverified', 'no verify command: the change is not checked');
  return v('succeeded', null);
}

/** Gathers the evidence for `judge` from git, the PRD, the run dir and status.json. */
export async function gather(
  engine: Engine,
  s: LoopState,
  ended: Ended,
  before: { tree: string | null; head: string | null },
): Promise<{ judged: Judged; notes: string | null; change: Change }> {
  const st = ended.status;
  const runDir = engine.dir.runDir(st.name);
  const change = await changeBetween(s.repo, before, s.prd);
  const prdText = await readFile(s.prd, 'utf8').catch(() => '');
  const item = findItem(parsePrd(prdText), s.current!.itemText);
  const notes = (await readFile(join(runDir, NOTES_FILE), 'utf8').catch(() => ''))
    .slice(0, NOTES_BYTES)
    .trim();
  const verify = !s.verify || !st.verify.ran ? 'none' : st.verify.exitCode === 0 ? 'passed' : 'failed';
  const tail =
    st.verify.reason ??
    (await readTail(join(runDir, RUN_FILES.verifyLog), 512)).trim().split('\n').pop() ??
    null;
  return {
    judged: {
      state: st.state,
      exitCode: st.exitCode,
      signal: st.signal,
      timedOut: ended.timedOut,
      cancelled: ended.cancelled,
      ticked: item?.done === true,
      marker: await exists(join(runDir, DONE_MARKER)),
      change,
      // A verify command that could not run (killed, timed out) is a failed check, not a missing one.
      verify: s.verify && !st.verify.ran && st.state === 'done' ? 'failed' : verify,
      verifyWhy: tail || null,
    },
    notes: notes || null,
    change,
  };
}
