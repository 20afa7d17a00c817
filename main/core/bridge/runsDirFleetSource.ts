// A FleetSource for `workcell ui` when no supervisor runs: re-lists through the engine when anything
// under runs/ changes (status.json, events.jsonl, agent.log all live there) and on a slow timer for
// what leaves no trace on disk (a pane that dies without its wrapper writing, a tmux server killed).
// The supervisor's own FleetSource (tmux control mode) replaces it when there is one.
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import type { BridgeResult, FleetSource } from '../../common/bridge.js';
import type { WorkcellSummary } from '../../common/workcell.js';
import type { BridgeEngine } from './engineApi.js';

export const RUNS_WATCH = {
  /** agent.log grows on every line an agent prints; coalesce a burst into one listing. */
  debounceMs: 150,
  /** The fallback for changes with no file event (tmux-only changes, platforms without recursive
   * watch); one `list-panes -a` every 2 s is cheap. */
  pollMs: 2_000,
} as const;

export class RunsDirFleetSource implements FleetSource {
  constructor(
    private readonly engine: BridgeEngine,
    private readonly timing: { debounceMs: number; pollMs: number } = RUNS_WATCH,
  ) {}

  list(): Promise<BridgeResult<WorkcellSummary[]>> {
    return this.engine.list();
  }

  subscribe(onChange: () => void): () => void {
    let timer: NodeJS.Timeout | null = null;
    const poke = (): void => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        onChange();
      }, this.timing.debounceMs);
    };
    const watcher = this.watchRuns(poke);
    const poll = setInterval(onChange, this.timing.pollMs);
    poll.unref();
    onChange();
    return () => {
      watcher?.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    };
  }

  private watchRuns(poke: () => void): FSWatcher | null {
    const runs = this.engine.dir.runs;
    mkdirSync(runs, { recursive: true, mode: 0o700 });
    try {
      const w = watch(runs, { recursive: true, persistent: false }, poke);
      // EMFILE / ENOSPC (inotify watch limit) after start: the 2 s poll still keeps the list right.
      w.on('error', () => w.close());
      return w;
    } catch {
      // recursive watch unsupported (Node < 20 on Linux) or inotify limit reached: poll only
      return null;
    }
  }
}
