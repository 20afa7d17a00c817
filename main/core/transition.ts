// The one state path (DESIGN.md §3, STYLE.md "One writer per state file"): every change to a workcell's
// status.json (created, launched, detected, exited, verified, killed, vanished, resumed, muted) goes
// through `Transitions`. It validates the move, writes status.json atomically under the run's lock, and
// appends the event with its evidence to events.jsonl: "where does a workcell become failed" is
// answered by reading the callers of `transition`.
import type { Evidence, WorkcellEvent, WorkcellState, WorkcellStatus } from '../common/workcell.js';
import { isEnded } from '../common/workcell.js';
import type { RunStore } from './runStore.js';

export interface TransitionRequest {
  /** The new state; omitted for a change of fields only (verify result, git summary, muted). */
  to?: WorkcellState;
  evidence?: Evidence | null;
  /** Other fields to set with it (exitCode, endedAt, verify, git, reason, resetAt, ...). */
  patch?: Partial<WorkcellStatus>;
  /** The timeline line; `type: 'state'` with from/to/evidence is written for every state change. */
  event?: Omit<WorkcellEvent, 'at'>;
  /** Apply only if this holds for the current status (e.g. "still starting"): read and check under the
   * same lock, so a racing writer (the exit beat the detection) wins cleanly. */
  when?: (s: WorkcellStatus) => boolean;
  /** Only for a move the table refuses but the caller knows is right: a new pass (resume). */
  newPass?: boolean;
}

export type TransitionOutcome =
  | { applied: true; status: WorkcellStatus; from: WorkcellState }
  | { applied: false; status: WorkcellStatus | null; why: string };

/** Which moves are valid. A live state may go anywhere. An ended one stays ended: the only ways out are
 * a new pass (resume), a vanished session that reappears or turns out orphaned, and a tmux-derived end
 * (no exit record yet) that the wrapper's exit record then corrects. */
export function allowed(from: WorkcellStatus, to: WorkcellState, evidence?: Evidence | null): boolean {
  if (!isEnded(from.state)) return true;
  if (from.state === to) return true;
  if (from.state === 'vanished') return true;
  if (from.state === 'killed') return false;
  // done/failed derived from tmux alone may be corrected by the wrapper's record or a later kill.
  return from.evidence?.source === 'tmux' && (evidence?.source === 'exit' || to === 'killed');
}

export class Transitions {
  constructor(
    private readonly store: RunStore,
    /** The clock seam: when a state began is recorded from it. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The first status of a workcell (start). */
  async create(status: WorkcellStatus, event: Omit<WorkcellEvent, 'at'>): Promise<void> {
    await this.store.writeStatus({ ...status, stateSince: status.stateSince ?? status.startedAt });
    await this.store.appendEvent(status.name, event);
  }

  async transition(name: string, r: TransitionRequest): Promise<TransitionOutcome> {
    let outcome: TransitionOutcome = { applied: false, status: null, why: 'no such workcell' };
    await this.store.updateStatus(
      name,
      (s) => {
        if (r.when && !r.when(s)) {
          outcome = { applied: false, status: s, why: 'condition no longer holds' };
          return null;
        }
        if (r.to && !r.newPass && !allowed(s, r.to, r.evidence)) {
          outcome = { applied: false, status: s, why: `${s.state} -> ${r.to} is not a valid move` };
          return null;
        }
        const next: WorkcellStatus = {
          ...s,
          ...r.patch,
          ...(r.to ? { state: r.to } : {}),
          ...(r.to && r.to !== s.state ? { stateSince: this.now().toISOString() } : {}),
          ...(r.evidence !== undefined ? { evidence: r.evidence } : {}),
        };
        if (JSON.stringify(next) === JSON.stringify(s)) {
          outcome = { applied: false, status: s, why: 'nothing changed' };
          return null;
        }
        outcome = { applied: true, status: next, from: s.state };
        return next;
      },
      // The event first, then status.json (DESIGN: validate, append, write): a reader that sees the
      // new state finds its event in the timeline. A crash between the two leaves the event and the
      // old status, and the retried transition appends it again: a repeated line, never a missing one.
      async (next, s) => {
        if (r.to !== undefined && s.state !== r.to)
          await this.store.appendEvent(name, {
            type: 'state',
            from: s.state,
            state: next.state,
            evidence: next.evidence ?? undefined,
            ...(next.reason ? { reason: next.reason } : {}),
            ...(next.resetAt ? { resetAt: next.resetAt } : {}),
          });
        if (r.event) await this.store.appendEvent(name, r.event);
      },
    );
    const done = outcome as TransitionOutcome; // assigned inside the locked callback
    return done;
  }
}
