// The words of a notification: which workcell, what happened, why (the evidence), the last output, and
// how to get in. Pure, so every channel says the same thing and the table test pins it down.
import {
  isTurnEnd,
  verifyOutcome,
  type NotifyMessage,
  type StateChange,
  type Urgency,
  type VerifyOutcome,
} from '../../common/notify.js';

export { isTurnEnd, verifyOutcome };
import type { WorkcellState } from '../../common/workcell.js';

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
  verified: 'done, verified',
  failed: 'claimed done, NOT verified (verify failed)',
  none: 'done (no verify.sh)',
  pending: 'done, verify still running',
  unknown: 'done',
};
const TURN_TEXT: Record<VerifyOutcome, string> = {
  verified: 'finished its turn: verified',
  failed: 'finished its turn: claimed done, not verified',
  none: 'finished its turn (no verify.sh)',
  pending: 'finished its turn, verify still running',
  unknown: 'finished its turn',
};

export function headline(change: StateChange): string {
  if (isTurnEnd(change)) return TURN_TEXT[verifyOutcome(change)];
  if (exitedLoggedOut(change)) return 'lost its login and exited';
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
      if (change.reason === 'network') return 'stopped: cannot reach its API';
      return 'is idle at its prompt';
    case 'stalled':
      return 'stalled: no output or progress';
    case 'rate_limited':
      if (change.reason === 'throttled')
        return change.resetAt
          ? `is throttled by its API (retry ${change.resetAt})`
          : 'is throttled by its API';
      return change.resetAt ? `hit a usage limit (resets ${change.resetAt})` : 'hit a usage limit';
    case 'auth_failed':
      return 'lost its login';
    case 'done':
      return DONE_TEXT[verifyOutcome(change)];
    case 'failed':
      if (change.exitCode !== null && change.exitCode !== undefined)
        return `failed (exit ${change.exitCode})`;
      if (change.signal) return `failed (signal ${change.signal})`;
      return 'failed';
    case 'vanished':
      return 'vanished: its tmux session is gone without an exit record';
    case 'orphaned':
      return 'orphaned: its tmux session is gone but its processes still run';
    case 'killed':
      return 'was killed';
  }
}

/** The line that tells the user what to do, when the usual "Get in: workcell attach" is not it. */
function nextStep(change: StateChange): string {
  if (change.state === 'orphaned') return `End them: workcell kill ${change.name}`;
  if (exitedLoggedOut(change))
    return `To fix: log the agent in again (run it and /login), then: workcell resume ${change.name}`;
  if (change.state === 'auth_failed')
    return `To fix: workcell attach ${change.name} and log in again (/login)`;
  return `Get in: workcell attach ${change.name}`;
}

export function urgencyOf(state: WorkcellState): Urgency {
  if (CRITICAL.includes(state)) return 'critical';
  return QUIET.includes(state) ? 'low' : 'normal';
}

export function formatMessage(change: StateChange): NotifyMessage {
  const title = `${change.test ? '[test] ' : ''}${change.name}: ${headline(change)}`;
  const excerpt = excerptOf(change.excerpt);
  const attach = `workcell attach ${change.name}`;
  const reason = change.reason ?? null;
  const evidence = change.evidence ?? null;
  const lines: string[] = [];
  if (evidence) {
    lines.push(
      `Why: ${cut(cleanTerminalText(evidence.detail).replace(/\n/g, ' '), EXCERPT.detailChars)} (${evidence.source})`,
    );
  }
  // A reason the headline already says in words (turn_end, auth_failed on an exit) is not repeated.
  const spoken = isTurnEnd(change) || exitedLoggedOut(change);
  if (reason && !spoken && reason !== evidence?.detail)
    lines.push(`${evidence ? 'Reason' : 'Why'}: ${cut(reason, EXCERPT.detailChars)}`);
  if (excerpt) lines.push('Last output:', excerpt);
  const verify = change.verify ?? null;
  const outcome = verifyOutcome(change);
  const verifyTail = verify && outcome === 'failed' ? excerptOf(verify.tail) : '';
  if (verifyTail) lines.push(`Verify output (exit ${verify?.exitCode ?? '?'}):`, verifyTail);
  lines.push(nextStep(change));
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
    attach,
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
