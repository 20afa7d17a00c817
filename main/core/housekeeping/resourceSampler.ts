// The daemon's resource sampler: per-workcell CPU and memory, children included (found by the recorded
// process group and tree, resources.ts membersOf), every few seconds while a viewer shows them.
// Viewers hold leases: the dashboard's GET /api/resources renews one on every poll, a daemon viewer
// (the app, `workcell ui`) renews one per socket, the tray one while its menu is open. When the last
// lease runs out, the next tick stops: no timer, no /proc reads, nothing remembered.
// With a threshold in settings (resourceAlarm.ts) it also samples with nobody looking, at a slow pace
// (backgroundMs): a threshold checked only while someone watches the figures would tell the user what
// they already see.
// CPU is the share of one core between two samples (no second read per sample, unlike `ls
// --resources`, which has no earlier sample to compare with).
import { Emitter, systemClock, type Clock, type Disposable } from '../../common/lifecycle.js';
import type { ResourceSample, ResourceSnapshot } from '../../common/resources.js';
import { readProcRecord, type ProcRecord } from '../processes.js';
import { membersOf, scanWithUsage, TICKS_PER_SECOND } from './resources.js';

export const RESOURCE_SAMPLING = {
  // 5 s: the figures change on that scale (a build, a test run), and 100 workcells cost the daemon
  // well under 2% of a core at this rate (bench/resources.ts).
  intervalMs: 5_000,
  // A lease a viewer does not renew lasts this long: three dashboard polls may go missing (a busy
  // browser tab, a loaded machine) before sampling stops.
  leaseMs: 15_000,
  // After a viewer says it went away (socket closed, menu closed): a reopened menu or a reloaded tab
  // finds the figures still warm.
  lingerMs: 10_000,
  // With a threshold set and no viewer: a runaway build or a leaking dev server is told within half a
  // minute, at a sixth of the viewed cost.
  backgroundMs: 30_000,
} as const;

/** A workcell to sample: a live one from the supervisor's last listing. */
export interface SampledWorkcell {
  name: string;
  runDir: string;
  pass: number;
}

export interface ResourceSamplerOptions {
  /** The live workcells now (ended ones are left out by the caller and so leave the samples). */
  workcells: () => readonly SampledWorkcell[] | Promise<readonly SampledWorkcell[]>;
  /** Timers and the sample's timestamp (tests drive a ManualClock). */
  clock?: Clock;
  /** Monotonic ms for the CPU rate: real CPU time is divided by real elapsed time, whatever the clock. */
  elapsed?: () => number;
  intervalMs?: number;
  backgroundMs?: number;
  log?: (line: string) => void;
}

/** The interface viewers see (the bridge route, the daemon's socket, the tray). */
export interface ResourceFeed {
  /** "I show the figures": starts sampling (or keeps it going) for `ttlMs`. */
  touch(viewer: string, ttlMs?: number): void;
  /** "I stopped showing them": sampling goes on for a short linger, then stops if nobody else looks. */
  release(viewer: string): void;
  latest(): ResourceSnapshot;
  /** Calls back with each new sample; returns unsubscribe. */
  subscribe(cb: (s: ResourceSnapshot) => void): () => void;
}

export class ResourceSampler implements ResourceFeed {
  /** After each sample. */
  readonly onSample = new Emitter<ResourceSnapshot>();
  private readonly clock: Clock;
  private readonly elapsed: () => number;
  private readonly intervalMs: number;
  private readonly backgroundMs: number;
  /** Sampling with no viewer, at backgroundMs (a threshold is set). */
  private background = false;
  /** Viewer -> when its lease runs out (clock ms). */
  private readonly leases = new Map<string, number>();
  private timer: Disposable | null = null;
  private running: Promise<void> | null = null;
  private snapshot: ResourceSnapshot;
  /** CPU ticks per pid at the previous sample, and when (elapsed ms). */
  private prevTicks = new Map<number, number>();
  private prevAt: number | null = null;
  /** proc.json per run dir and pass: written once per pass, so read once. */
  private readonly records = new Map<string, ProcRecord>();
  private disposed = false;
  /** How many samples were taken (tests and the bench). */
  samples = 0;

  constructor(private readonly o: ResourceSamplerOptions) {
    this.clock = o.clock ?? systemClock;
    this.elapsed = o.elapsed ?? (() => performance.now());
    this.intervalMs = o.intervalMs ?? RESOURCE_SAMPLING.intervalMs;
    this.backgroundMs = o.backgroundMs ?? RESOURCE_SAMPLING.backgroundMs;
    this.snapshot = this.empty();
  }

  private empty(): ResourceSnapshot {
    return {
      at: null,
      intervalMs: this.intervalMs,
      sampling: false,
      samples: [],
      ...(process.platform === 'linux' ? {} : { unavailable: 'resource figures read /proc: Linux only' }),
    };
  }

  get sampling(): boolean {
    return this.timer !== null || this.running !== null;
  }

  touch(viewer: string, ttlMs: number = RESOURCE_SAMPLING.leaseMs): void {
    if (this.disposed || process.platform !== 'linux') return;
    const slow = this.leases.size === 0;
    this.leases.set(viewer, Math.max(this.leases.get(viewer) ?? 0, this.clock.now() + ttlMs));
    if (!this.sampling) {
      this.snapshot = { ...this.snapshot, sampling: true };
      this.tick();
    } else if (slow && this.timer) {
      // At the background pace: the first viewer gets a sample now, not up to 30 s from now.
      this.timer.dispose();
      this.tick();
    }
  }

  /** Samples with no viewer too, at the background pace (on: a threshold is set); off stops it at the
   * next tick unless a viewer looks. */
  setBackground(on: boolean): void {
    if (this.disposed || process.platform !== 'linux' || on === this.background) return;
    this.background = on;
    if (on && !this.sampling) this.tick();
  }

  release(viewer: string): void {
    if (!this.leases.has(viewer)) return;
    this.leases.set(viewer, this.clock.now() + RESOURCE_SAMPLING.lingerMs);
  }

  latest(): ResourceSnapshot {
    return this.snapshot;
  }

  subscribe(cb: (s: ResourceSnapshot) => void): () => void {
    const d = this.onSample.event(cb);
    return () => d.dispose();
  }

  /** Samples once now (tests poll with it), whatever the leases. */
  async sampleNow(): Promise<ResourceSnapshot> {
    await this.running;
    await this.sample();
    return this.snapshot;
  }

  private tick(): void {
    this.timer = null;
    const now = this.clock.now();
    for (const [v, until] of this.leases) if (until <= now) this.leases.delete(v);
    if ((this.leases.size === 0 && !this.background) || this.disposed) return this.stop();
    this.running = this.sample()
      .catch((e: Error) => this.o.log?.(`resource sample failed: ${e.stack ?? e.message}`))
      .finally(() => {
        this.running = null;
        const pace = this.leases.size > 0 ? this.intervalMs : this.backgroundMs;
        if (!this.disposed) this.timer = this.clock.setTimeout(() => this.tick(), pace);
      });
  }

  /** Nobody looks: forget everything, so the next viewer starts from a clean first sample; viewers
   * still subscribed (a tray) learn that the figures they hold are no longer current. */
  private stop(): void {
    this.prevTicks = new Map();
    this.prevAt = null;
    this.records.clear();
    this.snapshot = { ...this.empty(), at: this.snapshot.at };
    if (!this.disposed) this.onSample.fire(this.snapshot);
  }

  private async record(runDir: string, pass: number): Promise<ProcRecord | null> {
    const key = `${runDir}\n${pass}`;
    const hit = this.records.get(key);
    if (hit) return hit;
    const rec = await readProcRecord(runDir);
    if (rec) this.records.set(key, rec);
    return rec;
  }

  private async sample(): Promise<void> {
    const list = await this.o.workcells();
    const { table, usage } = scanWithUsage();
    const passOf = new Map(list.map((w) => [w.runDir, w.pass]));
    const members = await membersOf(list, table, (runDir) => this.record(runDir, passOf.get(runDir) ?? 0));
    const at = this.elapsed();
    const seconds = this.prevAt === null ? null : (at - this.prevAt) / 1000;
    const ticks = new Map<number, number>();
    const samples: ResourceSample[] = members.map((m) => {
      let cpu = 0;
      let rss = 0;
      let known = false;
      let processes = 0;
      for (const pid of m.pids) {
        const u = usage.get(pid);
        if (!u) continue;
        processes += 1;
        rss += u.rss;
        ticks.set(pid, u.ticks);
        const before = this.prevTicks.get(pid);
        if (before !== undefined) known = true;
        // A child born since the last sample spent all its CPU time in the window; a lower count than
        // before is a reused pid, a new process as well.
        cpu += before === undefined || u.ticks < before ? u.ticks : u.ticks - before;
      }
      const cpuPercent =
        seconds && seconds > 0 && known ? Math.round((cpu / TICKS_PER_SECOND / seconds) * 1000) / 10 : null;
      return { name: m.name, processes, cpuPercent, rssBytes: rss };
    });
    // Records of workcells no longer listed (ended, removed) go with them.
    const live = new Set(list.map((w) => `${w.runDir}\n${w.pass}`));
    for (const k of this.records.keys()) if (!live.has(k)) this.records.delete(k);
    this.prevTicks = ticks;
    this.prevAt = at;
    this.samples += 1;
    this.snapshot = {
      at: new Date(this.clock.now()).toISOString(),
      intervalMs: this.leases.size > 0 ? this.intervalMs : this.backgroundMs,
      sampling: this.leases.size > 0,
      samples,
    };
    this.onSample.fire(this.snapshot);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.timer?.dispose();
    this.timer = null;
    await this.running;
    this.leases.clear();
    this.onSample.dispose();
  }
}
