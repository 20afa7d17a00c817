// Time spent in each state, from events.jsonl (issue 10, detail pane): "waiting 40m, running 1h 5m".
// Pure: the events and the clock are passed in.
import { isEnded, type WorkcellEvent, type WorkcellState } from './workcell.js';

export interface StateTime {
  state: WorkcellState;
  ms: number;
}

/** Sums the time between state changes per state, in the order states first appear. The last state
 * runs to `now` while the workcell lives; an ended state takes no time (it is where the run stopped). */
export function timeInStates(events: readonly WorkcellEvent[], startedAt: string, now: number): StateTime[] {
  const changes = events
    .filter((e): e is WorkcellEvent & { state: WorkcellState } => typeof e.state === 'string')
    .map((e) => ({ state: e.state, at: Date.parse(e.at) }))
    .filter((e) => Number.isFinite(e.at))
    .sort((a, b) => a.at - b.at);
  const totals = new Map<WorkcellState, number>();
  const add = (s: WorkcellState, ms: number) => totals.set(s, (totals.get(s) ?? 0) + Math.max(0, ms));
  let cur: { state: WorkcellState; at: number } | null = null;
  const start = Date.parse(startedAt);
  if (Number.isFinite(start) && (changes.length === 0 || changes[0]!.at > start))
    cur = { state: 'starting', at: start };
  for (const c of changes) {
    if (cur) add(cur.state, c.at - cur.at);
    cur = c;
  }
  if (cur) add(cur.state, isEnded(cur.state) ? 0 : now - cur.at);
  return [...totals].map(([state, ms]) => ({ state, ms }));
}
