// settings.json for long-running processes (supervisor, `workcell watch`/`ui`, the tray): a broken file
// never stops supervision. current() is the last good settings (defaults if the file never parsed),
// problem() says what is wrong and what to do, and a fixed file is picked up on save, no restart.
//
// How: fs.watch on the control directory, not the file. Editors save by renaming a new file over the old
// one, which would orphan a watch on the file itself; the file may not exist yet; the directory itself may
// be missing (fresh install) or removed under us, in which case we look for it again on a timer. Events
// come in bursts (truncate + write, temp + rename + chmod), so the file is read once it has been quiet for
// debounceMs. A deleted file means defaults, not the last good settings: that is what loadSettings, a
// restarted supervisor and every other process read, and a running one must not disagree with them.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';
import {
  DisposableStore,
  Emitter,
  systemClock,
  toDisposable,
  type Clock,
  type Disposable,
  type Event,
} from '../common/lifecycle.js';
import { defaultSettings, type Settings } from '../common/settings.js';
import type { ControlDir } from './paths.js';
import { loadSettingsStamped } from './settings.js';
import type { FileStamp } from './settingsJson.js';
import { makeProblem, writeVerdict, type SettingsProblem, type SettingsVerdict } from './settingsProblem.js';

export const SETTINGS_WATCH = {
  // Long enough to span one editor save (vim: rename away, write, fsync, chmod: a few ms; VS Code's
  // atomic save is similar), short enough that a fix feels immediate.
  debounceMs: 150,
  // A process that rewrites the control directory without pause must not starve the reload forever.
  maxWaitMs: 2_000,
  // While the control directory does not exist, fs.watch has nothing to watch: look for it this often.
  dirPollMs: 2_000,
} as const;

export const KEEP_LAST_GOOD =
  'fix the file and save (picked up without a restart); the last good settings stay in use meanwhile';
export const KEEP_DEFAULTS =
  'fix the file and save (picked up without a restart); the defaults are in use until it parses';

export interface SettingsChange {
  /** 'broken': the file became invalid (or differently invalid); 'fixed': valid again after being broken;
   * 'changed': valid before and after, with different settings (or deleted: defaults). */
  kind: 'changed' | 'broken' | 'fixed';
  /** The settings in use now: on 'broken' the last good ones, unchanged. */
  settings: Settings;
  problem: SettingsProblem | null;
}

export interface SettingsWatcherOptions {
  dir: ControlDir;
  clock?: Clock;
  debounceMs?: number;
  maxWaitMs?: number;
  dirPollMs?: number;
  /** Record each verdict in state/settings-check.json for other processes (default true). */
  persist?: boolean;
}

export class SettingsWatcher implements Disposable {
  private readonly store = new DisposableStore();
  private readonly changes = this.store.add(new Emitter<SettingsChange>());
  /** Fires only when something changed: the settings in use, or the problem. */
  readonly onDidChange: Event<SettingsChange> = this.changes.event;

  private readonly dir: ControlDir;
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly dirPollMs: number;
  private readonly persist: boolean;

  private good: Settings = defaultSettings();
  private everGood = false;
  private prob: SettingsProblem | null = null;
  private watched: { watcher: FSWatcher; ino: number; dead: boolean } | null = null;
  /** The debounce or the directory poll; at most one timer at a time. */
  private timer: Disposable | null = null;
  private burstSince: number | null = null;
  private lastVerdict = '';
  private writes: Promise<void> = Promise.resolve();

  constructor(o: SettingsWatcherOptions) {
    this.dir = o.dir;
    this.clock = o.clock ?? systemClock;
    this.debounceMs = o.debounceMs ?? SETTINGS_WATCH.debounceMs;
    this.maxWaitMs = o.maxWaitMs ?? SETTINGS_WATCH.maxWaitMs;
    this.dirPollMs = o.dirPollMs ?? SETTINGS_WATCH.dirPollMs;
    this.persist = o.persist ?? true;
    this.store.add(
      toDisposable(() => {
        this.timer?.dispose();
        this.timer = null;
        this.unwatch();
      }),
    );
    this.reload(false);
    this.arm();
  }

  /** The settings to use now: the last good ones, or the defaults when the file never parsed. */
  current(): Settings {
    return this.good;
  }

  /** null when the file is good (or absent); otherwise what is wrong, where, and what to do. */
  problem(): SettingsProblem | null {
    return this.prob;
  }

  /** Reads the file now instead of waiting for the watcher (e.g. right after this process saved it). */
  reloadNow(): void {
    if (!this.store.isDisposed) this.reload(true);
  }

  /** Resolves once every verdict write started so far has finished (tests; a clean shutdown). */
  settled(): Promise<void> {
    return this.writes;
  }

  dispose(): void {
    this.store.dispose();
  }

  private arm(): void {
    if (this.store.isDisposed || this.watched) return;
    try {
      const ino = statSync(this.dir.root).ino;
      // Every event in the directory schedules a read: filenames are unreliable (null on some platforms,
      // the directory's own name when it is removed), and the directory sees few other writes.
      const self = basename(this.dir.root);
      const watcher = watch(this.dir.root, (_event, name) => {
        // Linux reports the watched directory's own removal as a 'rename' of its own name; the inode
        // alone cannot tell, since a directory recreated at once may reuse it.
        if (name === self && this.watched?.watcher === watcher) this.watched.dead = true;
        this.schedule();
      });
      // The directory was removed or became unreadable (Windows reports EPERM): re-arm from scratch.
      watcher.on('error', () => {
        this.unwatch();
        this.schedule();
      });
      this.watched = { watcher, ino, dead: false };
    } catch {
      // ENOENT (no control dir yet, or removed) or EACCES: nothing to watch; look again on a timer
      this.setTimer(() => {
        this.arm(); // polls again if the directory is still missing
        if (this.watched) this.reload(true); // the file may have been written before we watched
      }, this.dirPollMs);
    }
  }

  private unwatch(): void {
    this.watched?.watcher.close();
    this.watched = null;
  }

  private schedule(): void {
    if (this.store.isDisposed) return;
    const now = this.clock.now();
    this.burstSince ??= now;
    const wait = Math.max(0, Math.min(this.debounceMs, this.burstSince + this.maxWaitMs - now));
    this.setTimer(() => {
      this.burstSince = null;
      this.onQuiet();
    }, wait);
  }

  private setTimer(fn: () => void, ms: number): void {
    this.timer?.dispose();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  private onQuiet(): void {
    // A directory removed (or removed and recreated) under us leaves a dead watch: start over.
    let ino: number | null = null;
    try {
      ino = statSync(this.dir.root).ino;
    } catch {
      // ENOENT: the control dir is gone; arm() below polls for it
    }
    if (ino === null || ino !== this.watched?.ino || this.watched.dead) {
      this.unwatch();
      this.arm();
    }
    this.reload(true);
  }

  private reload(emit: boolean): void {
    const { result, stamp } = loadSettingsStamped(this.dir);
    let change: SettingsChange | null = null;
    if (result.ok) {
      const fixed = this.prob !== null;
      const changed = JSON.stringify(result.value) !== JSON.stringify(this.good);
      this.good = result.value;
      this.everGood = true;
      this.prob = null;
      if (fixed || changed)
        change = { kind: fixed ? 'fixed' : 'changed', settings: this.good, problem: null };
    } else if (this.prob?.detail !== result.error.message) {
      const fix = this.everGood ? KEEP_LAST_GOOD : KEEP_DEFAULTS;
      this.prob = makeProblem(result.error.message, fix, new Date(this.clock.now()).toISOString());
      change = { kind: 'broken', settings: this.good, problem: this.prob };
    }
    this.record(stamp);
    if (emit && change) this.changes.fire(change);
  }

  /** One writer of state/settings-check.json; writes are chained so the last verdict lands last. */
  private record(stamp: FileStamp | null): void {
    if (!this.persist) return;
    // No stamp (file absent or unreadable): remove the verdict; readers then look at the file themselves.
    const verdict: SettingsVerdict | null = stamp ? { stamp, problem: this.prob } : null;
    const key = JSON.stringify(verdict);
    if (key === this.lastVerdict) return;
    this.lastVerdict = key;
    this.writes = this.writes.then(() =>
      writeVerdict(this.dir, verdict).catch(() => {
        // EACCES on state/ or the control dir removed mid-write: readers fall back to validating the file
        this.lastVerdict = '';
      }),
    );
  }
}
