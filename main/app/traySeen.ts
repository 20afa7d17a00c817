// The endings the user has seen in the tray menu (trayModel.ts seenKey), kept on disk so a restart of
// the app does not flag every ended workcell as new again. One small JSON file in the home's state dir,
// written atomically (temp + fsync + rename: a crash leaves the old set or the new one, never half),
// pruned to the workcells that still exist so it cannot grow without bound. No electron: tested under
// plain node.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/fsutil.js';

export const TRAY_SEEN = {
  file: 'tray-seen.json',
  // 5,000 keys is ~100 kB: far more endings than a user keeps around, and still a cheap write.
  maxKeys: 5_000,
} as const;

interface SeenFile {
  version: 1;
  seen: string[];
}

export class TraySeen {
  private readonly keys: Set<string>;
  private writing: Promise<void> = Promise.resolve();
  private readonly path: string;

  private constructor(
    stateDir: string,
    keys: Iterable<string>,
    private readonly log: (line: string) => void,
  ) {
    this.path = join(stateDir, TRAY_SEEN.file);
    this.keys = new Set(keys);
  }

  /** Reads the set; a missing, torn or foreign file is an empty set (the worst case is a re-flag). */
  static load(stateDir: string, log: (line: string) => void = () => undefined): TraySeen {
    let keys: string[] = [];
    try {
      const data = JSON.parse(readFileSync(join(stateDir, TRAY_SEEN.file), 'utf8')) as Partial<SeenFile>;
      if (Array.isArray(data.seen)) keys = data.seen.filter((k): k is string => typeof k === 'string');
    } catch (e) {
      // ENOENT: never written (first start). A torn or hand-edited file: start empty, say so.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        log(`tray seen set unreadable, starting empty: ${String(e)}`);
    }
    return new TraySeen(stateDir, keys, log);
  }

  /** The live set, for buildTrayModel. */
  get set(): ReadonlySet<string> {
    return this.keys;
  }

  /** Marks endings seen; writes only when something is new. Resolves when it is on disk. */
  add(keys: Iterable<string>): Promise<void> {
    let changed = false;
    for (const k of keys)
      if (!this.keys.has(k)) {
        this.keys.add(k);
        changed = true;
      }
    return changed ? this.save() : this.writing;
  }

  /** Drops keys of workcells that no longer exist (`names`: the fleet now); writes when any went. */
  prune(names: Iterable<string>): Promise<void> {
    const live = new Set(names);
    let changed = false;
    for (const k of this.keys)
      if (!live.has(k.slice(0, k.lastIndexOf('@')))) {
        this.keys.delete(k);
        changed = true;
      }
    return changed ? this.save() : this.writing;
  }

  private save(): Promise<void> {
    // Oldest first in a Set: over the cap, the oldest endings are forgotten first.
    const all = [...this.keys];
    if (all.length > TRAY_SEEN.maxKeys)
      for (const k of all.slice(0, all.length - TRAY_SEEN.maxKeys)) this.keys.delete(k);
    // Writes are chained so an older snapshot never lands after a newer one.
    this.writing = this.writing.then(async () => {
      try {
        mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
        await writeJsonAtomic(this.path, { version: 1, seen: [...this.keys] } satisfies SeenFile);
      } catch (e) {
        // Disk full or home not writable: the set still works in memory; a restart re-flags.
        this.log(`could not save the tray's seen set: ${String(e)}`);
      }
    });
    return this.writing;
  }
}
