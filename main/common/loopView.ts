// A loop as the dashboard shows it (issue 13): a group with its progress, breaker and items, each item
// linking to the workcell of its latest iteration. Built by main/core/bridge/loopsApi.ts from the
// loop's state file ($WORKCELLS_HOME/loops/NAME/state.json) and its PRD.

export interface LoopItemView {
  key: string;
  text: string;
  /** Succeeded (with or without verify) or ticked in the PRD. */
  done: boolean;
  /** The latest outcome recorded for it (succeeded, no_signal, failed, skipped...), null if untried. */
  outcome: string | null;
  attempts: number;
  /** The workcell of its latest iteration (the one in flight first), null if untried. */
  workcell: string | null;
  inFlight: boolean;
}

export interface LoopView {
  name: string;
  /** running | breaker_open | done | max_reached | stopped */
  status: string;
  statusReason: string | null;
  repo: string;
  done: number;
  total: number;
  iteration: number;
  max: number;
  /** noProgress: iterations in a row that closed no item; limit: how many open the breaker. */
  breaker: { open: boolean; reason: string | null; noProgress?: number; limit?: number };
  items: LoopItemView[];
  updatedAt: string;
}

export const LOOPS_ROUTE = '/api/loops';
