// What recovery makes of one workcell (issue 11): the diagnosis, its evidence and the action it would
// take under its policy, budgets and breakers. Pure, so `workcell recover --dry-run` prints exactly
// what the daemon would do, and the daemon does exactly what the dry run printed.
import { isEnded, type WorkcellSummary } from '../../common/workcell.js';
import { breakerOpen, type HomeRecovery } from './guard.js';
import { AUTH_FIX } from './plan.js';
import type { RecoveryPolicy, RecoveryRecord } from './record.js';

export type Diagnosis =
  | 'healthy'
  | 'usage_limit'
  | 'auth_failed'
  | 'auth_held'
  | 'partial'
  | 'lost'
  | 'orphaned'
  | 'ended'
  | 'killed';

export type ActionKind =
  | 'none'
  /** Park and schedule the resume at the reset (limit). */
  | 'park'
  /** Resume now: continue turn (live) or relaunch (ended). */
  | 'resume'
  /** Resume with a rewritten brief (partial). */
  | 'resume_rewritten'
  /** Hold: tell the user the fix, act on nothing of this vendor until a resume works. */
  | 'hold'
  | 'wait';

export interface Plan {
  name: string;
  diagnosis: Diagnosis;
  evidence: string;
  action: ActionKind;
  /** What the action is, in words, and why it is (not) taken automatically. */
  detail: string;
  policy: RecoveryPolicy;
  /** True when the daemon takes it by itself (policy auto and nothing holds it). */
  automatic: boolean;
}

export interface DiagnoseInput {
  w: WorkcellSummary;
  rec: RecoveryRecord;
  home: HomeRecovery;
  policy: RecoveryPolicy;
  /** partialReason(...) of an ended pass, read by the caller from brief.md (null: not partial). */
  partial: string | null;
  /** Whether brief.md exists (a lost workcell can be resumed from artifacts). */
  hasBrief: boolean;
}

/** An agent that ended because its terminal or server went away (tmux killed, machine died), not
 * because of anything it did: vanished, or hung up with the server (the wrapper records SIGHUP). */
export function isLost(w: WorkcellSummary): boolean {
  return w.state === 'vanished' || (w.state === 'failed' && w.signal === 'SIGHUP');
}

export function diagnose(i: DiagnoseInput): Plan {
  const { w, rec, home, policy } = i;
  const ev = w.evidence ? `${w.evidence.source}: ${w.evidence.detail}` : 'no evidence recorded';
  const base = { name: w.name, evidence: ev, policy };
  const mk = (diagnosis: Diagnosis, action: ActionKind, detail: string, canAuto = true): Plan => ({
    ...base,
    diagnosis,
    action,
    detail,
    automatic: canAuto && policy === 'auto' && action !== 'none' && action !== 'wait',
  });
  const held = home.authHold[w.agent];
  const limited = w.state === 'rate_limited' || (isEnded(w.state) && w.reason === 'rate_limited');
  if (w.state === 'auth_failed' || (isEnded(w.state) && w.reason === 'auth_failed'))
    return mk(
      'auth_failed',
      'hold',
      `login lost: ${AUTH_FIX[w.agent]}; then \`workcell recover ${w.name}\``,
      false,
    );
  if (held && held.name !== w.name && (limited || isEnded(w.state)))
    return mk(
      'auth_held',
      'wait',
      `held: ${w.agent}'s login failed in ${held.name} (${AUTH_FIX[w.agent]}); nothing of ${w.agent} restarts until a resume works`,
    );
  if (limited) {
    const l = rec.limit;
    if (l && l.pass === w.pass && (l.state === 'gave_up' || l.state === 'cancelled'))
      return mk(
        'usage_limit',
        'wait',
        `${l.state === 'gave_up' ? 'gave up' : 'cancelled'}: ${l.note ?? ''}; \`workcell recover ${w.name}\` resumes it now`,
        false,
      );
    if (l && l.pass === w.pass && l.state !== 'resumed')
      return mk(
        'usage_limit',
        'resume',
        `${l.state}: resume at ${l.dueAt} (${l.resetSource} reset ${l.resetAt ?? 'unknown'}, attempt ${l.attempts + 1} of 2)`,
      );
    return mk(
      'usage_limit',
      'park',
      `park until the reset${w.resetAt ? ` at ${w.resetAt}` : ' (time unknown: capped backoff)'}, then resume and confirm`,
    );
  }
  if (w.state === 'orphaned')
    return mk(
      'orphaned',
      'none',
      'alive: its pane or tmux server is gone but its processes still run; `workcell kill` ends them',
      false,
    );
  if (w.state === 'killed')
    return mk('killed', 'none', 'killed by the user: never resumed automatically', false);
  const breaker = breakerOpen(rec.passes);
  if (isLost(w)) {
    if (!i.hasBrief) return mk('lost', 'none', 'dead: no brief.md to resume from', false);
    const how =
      'relaunch: the vendor resume by session id where the vendor keeps one, else from artifacts (brief.md + handoff.md)';
    if (breaker) return mk('lost', 'wait', `${breaker}; \`workcell recover ${w.name}\` to try anyway`, false);
    return mk('lost', 'resume', `recoverable: ${how}`);
  }
  if (isEnded(w.state) && i.partial) {
    if (breaker) return mk('partial', 'wait', `${i.partial}; ${breaker}`, false);
    return mk(
      'partial',
      'resume_rewritten',
      `${i.partial}: resume with brief.md rewritten for the remaining scope`,
    );
  }
  if (isEnded(w.state)) return mk('ended', 'none', `${w.state}: nothing to recover`, false);
  return mk('healthy', 'none', `${w.state}: nothing to recover`, false);
}
