import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkcellState } from '../../common/workcell.js';
import { writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';

export interface Seen {
  state: WorkcellState;
  /** Increments on every change this workcell went through: part of the notification dedupe id. */
  seq: number;
  pass: number;
  at: string;
  /** Seen but not yet told: a completion waiting for its verify result (survives a restart). */
  held?: boolean;
}

/** The last state the supervisor reported per workcell, persisted so a restarted (or SIGKILLed)
 * watcher knows what it already told the user: a change seen before the restart is not a change now. */
export class SeenLedger {
  private readonly path: string;
  private data: Record<string, Seen>;
  private writing: Promise<void> = Promise.resolve();

  constructor(dir: ControlDir) {
    this.path = join(dir.state, 'seen.json');
    try {
      this.data = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, Seen>;
    } catch {
      // ENOENT on the first start, or a file torn by a full disk: start empty (catch-up rules apply)
      this.data = {};
    }
  }

  get(name: string): Seen | undefined {
    return this.data[name];
  }

  /** Records the change and returns its seq; the file write follows in order, without blocking. */
  record(name: string, state: WorkcellState, pass: number, at: string, held = false): number {
    const prev = this.data[name];
    const seq = (prev?.seq ?? 0) + 1;
    this.data[name] = { state, seq, pass, at, ...(held ? { held } : {}) };
    this.persist();
    return seq;
  }

  /** The held change of `name` was told. */
  release(name: string): void {
    const cur = this.data[name];
    if (!cur?.held) return;
    delete cur.held;
    this.persist();
  }

  /** One write in flight at a time, and the changes made meanwhile go in ONE next write (the latest
   * state): 200 exits at once were 400 fsync'd writes queued on the disk ahead of the notification
   * ledger's, which held the notifications back for tens of seconds. */
  private persist(): void {
    this.dirty = true;
    if (this.inFlight) return;
    this.inFlight = true;
    this.writing = (async () => {
      while (this.dirty) {
        this.dirty = false;
        await writeJsonAtomic(this.path, this.data).catch(() => {
          // full disk: the in-memory ledger still prevents repeats until the next restart
        });
      }
      this.inFlight = false;
    })();
  }
  private dirty = false;
  private inFlight = false;

  forget(present: Set<string>): void {
    for (const name of Object.keys(this.data)) if (!present.has(name)) delete this.data[name];
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
