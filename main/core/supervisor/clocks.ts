// The timers that drive states (stall: time since the last progress) persisted under state/, so a
// restarted supervisor continues the same clock: its evidence keeps the true age ("no output for 14m",
// not "5m" after a restart) and a state it already reported is not re-entered and re-sent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';

export interface PaneClock {
  /** ms since epoch of the last progress (screen change that is not a spinner, or a hook event). */
  progressAt: number;
  /** The screen's progress key at that time (see detect/screen.ts progressKey). */
  progressKey: string;
  /** The pass the clock belongs to: a new pass starts a new clock. */
  pass: number;
}

// Progress on 100 busy panes must not become 100 file writes a second: one write per second at most.
const FLUSH_EVERY_MS = 1_000;

export class Clocks {
  private readonly path: string;
  private data: Record<string, PaneClock>;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(dir: ControlDir) {
    this.path = join(dir.state, 'clocks.json');
    try {
      this.data = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, PaneClock>;
    } catch {
      // ENOENT on the first start, or a file torn by a full disk: clocks start now (no false stall)
      this.data = {};
    }
  }

  get(name: string, pass: number): PaneClock | undefined {
    const c = this.data[name];
    return c && c.pass === pass ? c : undefined;
  }

  set(name: string, clock: PaneClock): void {
    this.data[name] = clock;
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
      this.timer.unref();
    }
  }

  forget(present: Set<string>): void {
    for (const name of Object.keys(this.data)) if (!present.has(name)) delete this.data[name];
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const snapshot = structuredClone(this.data);
    this.writing = this.writing
      .then(() => writeJsonAtomic(this.path, snapshot))
      .catch(() => {
        // full disk: the clocks in memory still run; a restart then starts them afresh
      });
    return this.writing;
  }
}
