// The words of a notification: which workcell and what happened in plain words, where it works and how
// long it ran, the question or the error (meaningful lines only), reset times in the user's zone, and
// the next step that works for its state. Pure, so every channel says the same thing and the table test pins it down.
import { RUNNER_NOTICES } from '../../common/runnerNotice.js';
import {
  STALE,
  OVER_RESOURCES,
  isTurnEnd,
  verifyOutcome,
  type NotifyMessage,
  type StateChange,
  type Urgency,
  type VerifyOutcome,
} from '../../common/notify.js';

export { isTurnEnd, verifyOutcome };
import { meaningfulLines, readPrompt } from '../../common/prompt.js';
import { workcellDetailUrl } from '../../common/notifyClick.js';
import { isEnded, type WorkcellState } from '../../common/workcell.js';
import { resetText, spanText } from './when.js';

export const EXCERPT = {
  // 5 lines: enough to show a question with its choices or an error with its context, few enough to
  // fit a desktop notification bubble and a phone lock screen.
  lines: 5,
  // 200 chars: a wide terminal line; longer lines are usually minified JSON or progress bars.
  lineChars: 200,
  // Evidence is one line by contract; cap it anyway so a matched 10 kB line cannot flood a phone.
  detailChars: 300,
} as const;

const CRITICAL: readonly WorkcellState[] = ['failed', 'auth_failed'];
const QUIET: readonly WorkcellState[] = ['starting', 'running', 'idle', 'killed'];

function cut(line: string, max: number): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Terminal output to plain text: ANSI/OSC sequences and control characters removed, carriage-return
 * overwrites resolved (the last write wins, as on screen). */
/* eslint-disable no-control-regex -- matching terminal control characters is the point here */
export function cleanTerminalText(raw: string): string {
  return (
    raw
      // OSC (titles, hyperlinks): ESC ] ... BEL or ESC \
      .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g, '')
      // CSI (colours, cursor moves) and two-char escapes
      .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
      .replace(/\u001b[@-Z\\-_]/g, '')
      .replace(/\r\n/g, '\n')
      .split('\n')
      .map((line) => {
        const parts = line.split('\r');
        return (parts[parts.length - 1] ?? '')
          .replace(/\t/g, '  ')
          .replace(/[\u0000-\u001f\u007f]/g, '')
          .trimEnd();
      })
      .join('\n')
  );
}
/* eslint-enable no-control-regex */

/** The last few non-blank lines of output, cleaned and cut. */
export function excerptOf(raw: string | null | undefined): string {
  if (!raw) return '';
  const lines = cleanTerminalText(raw)
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines
    .slice(-EXCERPT.lines)
    .map((l) => cut(l, EXCERPT.lineChars))
    .join('\n');
}

/** An agent that exited because it is not logged in (state failed, reason auth_failed). */
function exitedLoggedOut(change: Pick<StateChange, 'state' | 'reason'>): boolean {
  return change.state === 'failed' && change.reason === 'auth_failed';
}

const DONE_TEXT: Record<VerifyOutcome, string> = {
  verified: 'finished: verified',
  failed: 'finished: verify failed',
  none: 'finished (no verify.sh to check it)',
  pending: 'finished, verify still running',
  unknown: 'finished',
};
const TURN_TEXT: Record<VerifyOutcome, string> = {
  verified: 'finished its turn: verified',
  failed: 'finished its turn: verify failed',
  none: 'finished its turn (no verify.sh to check it)',
  pending: 'finished its turn, verify still running',
  unknown: 'finished its turn',
};

/** What happened, in words that follow the workcell's name: "fix-login is waiting for you". */
export function headline(change: StateChange): string {
  if (isTurnEnd(change)) return TURN_TEXT[verifyOutcome(change)];
  if (exitedLoggedOut(change)) return 'lost its login and exited';
  if (change.reason === STALE) return 'has been running longer than its stale threshold';
  if (change.reason === OVER_RESOURCES) return 'uses more CPU or memory than its threshold';
  const runner = RUNNER_NOTICES[change.reason ?? ''];
  if (runner) return runner.headline;
  switch (change.state) {
    case 'starting':
      return 'is starting';
    case 'running':
      return 'is running';
    case 'waiting':
      return 'is waiting for you';
    case 'idle':
      // An idle that stopped on an error is not calm: say so (issue 9).
      if (change.reason === 'api_error') return 'stopped on an API error';
      if (change.reason === 'network') return 'cannot reach its API';
      return 'is idle at its prompt';
    case 'stalled':
      // The agent is retrying a failing request (its screen or log says so): not a silent hang.
      if (change.reason === 'api_error') return 'is stuck on an API error (its agent keeps retrying)';
      if (change.reason === 'network') return 'cannot reach its API (its agent keeps retrying)';
      return 'seems stuck: no output or progress';
    case 'rate_limited':
      if (change.reason === 'throttled') return 'is throttled by its API';
      return 'hit a usage limit';
    case 'auth_failed':
      return 'lost its login';
    case 'done':
      return DONE_TEXT[verifyOutcome(change)];
    case 'failed':
      if (change.exitCode !== null && change.exitCode !== undefined)
        return `failed (exit code ${change.exitCode})`;
      if (change.signal) return `failed (stopped by ${change.signal})`;
      return 'failed';
    case 'vanished':
      return 'vanished: its tmux session is gone without an exit record';
    case 'orphaned':
      return 'is orphaned: its tmux session is gone but its processes still run';
    case 'killed':
      return 'was killed';
  }
}

/** Reasons the detectors record as codes, in words; any other code-like reason is internal and left
 * out (the headline already says it). A reason in words ("usage limit") is kept. */
const REASON_WORDS: Record<string, string | null> = {
  no_progress: null,
  throttled: null,
  network: 'the network is down or the API cannot be reached',
  auth_failed: null,
  turn_end: null,
};
function reasonText(reason: string | null | undefined): string | null {
  if (!reason) return null;
  if (Object.hasOwn(REASON_WORDS, reason)) return REASON_WORDS[reason] ?? null;
  return /^[a-z]+(_[a-z]+)+$/.test(reason) ? null : reason;
}

const live = (change: StateChange): boolean => !isEnded(change.state) && change.state !== 'orphaned';

/** The command that works for this state: attach only while the agent lives, resume once it ended. */
function nextStep(change: StateChange): { line: string; command: string } {
  const n = change.name;
  const runner = RUNNER_NOTICES[change.reason ?? ''];
  if (runner) return { line: runner.line(n), command: runner.command(n) };
  if (change.state === 'orphaned')
    return { line: `End its processes: workcell kill ${n}`, command: `workcell kill ${n}` };
  if (exitedLoggedOut(change))
    return {
      line: `Log the agent in again (run it, then /login), then: workcell resume ${n}`,
      command: `workcell resume ${n}`,
    };
  if (change.state === 'auth_failed')
    return { line: `Log in again: workcell attach ${n}, then /login`, command: `workcell attach ${n}` };
  if (change.state === 'waiting')
    return {
      line: `Answer: workcell send ${n} "your reply" (or --key 1, y, Enter, Esc), or workcell attach ${n}`,
      command: `workcell attach ${n}`,
    };
  if (change.state === 'rate_limited' && change.reason === 'throttled')
    // The CLI retries a throttle by itself and recovery leaves it alone: only a look helps.
    return {
      line: `It retries by itself; look: workcell attach ${n}`,
      command: `workcell attach ${n}`,
    };
  if (change.state === 'rate_limited')
    // What recovery will do depends on the workcell's policy (auto resumes at the reset by itself,
    // suggest waits for the user): both ways to act are one command from the phone.
    return {
      line: `Resume now: workcell recover ${n} · cancel an automatic resume: workcell recover ${n} --cancel · look: workcell attach ${n}`,
      command: `workcell attach ${n}`,
    };
  if (live(change)) return { line: `Look: workcell attach ${n}`, command: `workcell attach ${n}` };
  return {
    line: `Read it: workcell peek ${n} · continue it: workcell resume ${n}`,
    command: `workcell resume ${n}`,
  };
}

export function urgencyOf(state: WorkcellState): Urgency {
  if (CRITICAL.includes(state)) return 'critical';
  return QUIET.includes(state) ? 'low' : 'normal';
}

/** The environment of a message: the clock and zone its times are shown in, and the dashboard it links
 * to (`http://127.0.0.1:PORT`, no token: the tab that has it keeps it; null when there is none). */
export interface FormatContext {
  now?: number;
  timeZone?: string;
  dashboard?: string | null;
}

/** The dashboard, opened on this workcell. */
export function dashboardLink(origin: string | null | undefined, name: string): string | null {
  return origin ? workcellDetailUrl(origin, name) : null;
}

/** "~/src/app · ran 1 h 5 m": where it works and how long it has run. */
function factsLine(change: StateChange, now: number): string | null {
  const facts: string[] = [];
  if (change.repo) facts.push(change.repo);
  const started = change.startedAt ? Date.parse(change.startedAt) : NaN;
  if (!Number.isNaN(started)) {
    const end = live(change) ? now : Date.parse(change.at) || now;
    facts.push(`${live(change) ? 'running for' : 'ran'} ${spanText(end - started)}`);
  }
  return facts.length ? facts.join(' · ') : null;
}

/** The lines that say what the agent asks or what went wrong: words only, never a border or rule. */
/** A JSON event line of a headless agent's pane (claude -p stream-json, codex exec --json) in its
 * words: the message, error or answer text it carries; null for an event that says nothing to a
 * person (init, tool lists, usage). A line that is not JSON is itself. */
export function eventText(line: string): string | null {
  const t = line.trim();
  if (!t.startsWith('{')) return line;
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(t) as Record<string, unknown>;
  } catch {
    // cut by the pane's width or not JSON after all: as it is
    return line;
  }
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  const o = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const content = o(e.message).content;
  const said = Array.isArray(content) ? content.map((c) => str(o(c).text)).find(Boolean) : null;
  return (
    str(e.message) ??
    str(o(e.error).message) ??
    str(e.error) ??
    str(e.result) ??
    str(o(e.item).text) ??
    str(o(e.item).message) ??
    said ??
    null
  );
}

function meaningful(raw: string | null | undefined, max: number): string[] {
  return meaningfulLines(cleanTerminalText(raw ?? ''))
    .map(eventText)
    .filter((l): l is string => l !== null)
    .filter((l) => !/^[>❯›$#%]$/.test(l)) // an empty input prompt says nothing
    .slice(-max)
    .map((l) => cut(l, EXCERPT.lineChars));
}

/** Evidence is one line by contract; made so anyway, and capped. */
const oneLine = (s: string): string => cut(cleanTerminalText(s).replace(/\n/g, ' '), EXCERPT.detailChars);

export function formatMessage(change: StateChange, ctx: FormatContext = {}): NotifyMessage {
  const now = ctx.now ?? Date.now();
  const clock = { now, timeZone: ctx.timeZone };
  const title = `${change.test ? '[test] ' : ''}${change.name} ${headline(change)}`;
  const excerpt = excerptOf(change.excerpt);
  const reason = change.reason ?? null;
  const evidence = change.evidence ?? null;
  const lines: string[] = [];
  const facts = factsLine(change, now);
  if (facts) lines.push(facts);
  if (change.state === 'rate_limited' && change.resetAt) {
    const r = resetText(change.resetAt, clock);
    // A throttle (the server limiting requests) is not the user's quota: say what it is.
    if (r) lines.push(`${change.reason === 'throttled' ? 'Retry window' : 'Usage limit'} ${r}.`);
  }
  if (change.state === 'waiting') {
    const p = readPrompt(cleanTerminalText(change.excerpt ?? ''));
    const question = p.question.length ? p.question : evidence ? [oneLine(evidence.detail)] : [];
    if (question.length) lines.push(...question.map((q) => cut(q, EXCERPT.lineChars)));
    const answers = p.choices.filter((c) => /^[1-9yn]$/.test(c.key));
    if (answers.length) lines.push(`Answers: ${answers.map((c) => `${c.key} ${c.label}`).join(' · ')}`);
  } else {
    // Why, in words: the evidence line (what the detector saw), or a reason that is not a code.
    const why = evidence
      ? cut(
          (eventText(cleanTerminalText(evidence.detail)) ?? evidence.detail).replace(/\n/g, ' '),
          EXCERPT.detailChars,
        )
      : null;
    const spoken = isTurnEnd(change) || exitedLoggedOut(change);
    const said = spoken ? null : reasonText(reason);
    if (why) lines.push(`Why: ${why}`);
    if (said && said !== evidence?.detail && !(change.state === 'rate_limited' && said === 'usage limit'))
      lines.push(`${why ? 'Also' : 'Why'}: ${cut(said, EXCERPT.detailChars)}`);
    const last = meaningful(change.excerpt, EXCERPT.lines);
    if (last.length) lines.push('Last output:', ...last);
  }
  const verify = change.verify ?? null;
  const outcome = verifyOutcome(change);
  const verifyTail = verify && outcome === 'failed' ? meaningful(verify.tail, EXCERPT.lines) : [];
  if (verifyTail.length)
    lines.push(`verify.sh failed (exit code ${verify?.exitCode ?? '?'}):`, ...verifyTail);
  const next = nextStep(change);
  lines.push(next.line);
  const body = lines.join('\n');
  return {
    changeId: change.id,
    name: change.name,
    state: change.state,
    from: change.from,
    at: change.at,
    title,
    body,
    text: `${title}\n${body}`,
    attach: next.command,
    url: dashboardLink(ctx.dashboard, change.name),
    repo: change.repo ?? null,
    excerpt,
    reason,
    exitCode: change.exitCode ?? null,
    signal: change.signal ?? null,
    resetAt: change.resetAt ?? null,
    evidence,
    verified: outcome === 'verified' ? true : outcome === 'failed' ? false : null,
    runDir: change.runDir ?? null,
    urgency: urgencyOf(change.state),
    test: change.test === true,
    idempotencyKey: change.id,
    verify,
  };
}

/** The message `workcell notify test` sends. */
export function testChange(at: string): StateChange {
  return {
    id: `notify-test:${at}`,
    name: 'notify-test',
    state: 'done',
    from: 'running',
    at,
    reason: 'test message from `workcell notify test`',
    evidence: { source: 'user', detail: 'workcell notify test', at },
    excerpt: 'If you can read this, Session Supervisor can reach you here.',
    exitCode: 0,
    test: true,
  };
}
