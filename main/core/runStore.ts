import { promises as fs, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkcellEvent, WorkcellStatus } from '../common/workcell.js';
import { appendLine, readJson, writeJsonAtomic } from './fsutil.js';
import { RUN_FILES, type ControlDir } from './paths.js';
import { err, ok, type Result } from './result.js';
import { checkExit, checkKilled, checkStatus, readRecord } from './runCheck.js';
import { withFileLock } from './fileLock.js';

/** What the in-pane wrapper writes once, the moment the agent exits. */
export interface ExitRecord {
  exitCode: number;
  endedAt: string;
  source: string;
}

/** What `workcell kill` writes before it signals. */
export interface KilledRecord {
  at: string;
  by: string;
}

// Status writes come from the CLI (start, kill), the in-pane finisher and the supervisor: a short
// lock serialises their read-modify-write so none overwrites another's field. Stale after 10 s so a
// writer killed mid-update (SIGKILL, full disk) never wedges a workcell.
// Only a held lock is waited for (up to ~10 s): proper-lockfile would retry ENOSPC and EACCES as well,
// which turned a full disk into half a minute of retries per status write.

function mtimeOf(path: string): Date | null {
  try {
    return statSync(path).mtime;
  } catch {
    return null;
  }
}

export class RunStore {
  constructor(readonly dir: ControlDir) {}

  path(name: string, file: keyof typeof RUN_FILES): string {
    return join(this.dir.runDir(name), RUN_FILES[file]);
  }

  /** The run dirs' names, or why the runs directory cannot be read (a file in its place, no
   * permission): a value, so `ls` says what to do instead of printing a stack trace. */
  async listNames(): Promise<Result<string[]>> {
    try {
      const entries = await fs.readdir(this.dir.runs, { withFileTypes: true });
      return ok(
        entries
          .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
          .map((e) => e.name)
          .sort(),
      );
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT: no workcell was ever started here
      if (code === 'ENOENT') return ok([]);
      const runs = this.dir.runs;
      const what =
        code === 'ENOTDIR' && !isDir(this.dir.root)
          ? `WORKCELLS_HOME ${this.dir.root} is not a directory: point WORKCELLS_HOME at a directory (or move that file aside)`
          : code === 'ENOTDIR'
            ? `${runs} is not a directory: move it aside (mv ${runs} ${runs}.bak) and the next start recreates it`
            : code === 'EACCES' || code === 'EPERM'
              ? `${runs} cannot be read (permission denied): chmod u+rwx ${runs}, or set WORKCELLS_HOME to a directory of your own`
              : `${runs} cannot be read (${code ?? String(e)}): check the disk and WORKCELLS_HOME`;
      return err('HOME_UNREADABLE', `cannot list workcells: ${what}`);
    }
  }

  /** status.json, exit.json and killed.json checked (runCheck.ts): null where not written yet, a
   * BrokenRunError thrown where a file exists but cannot be used. For listings; writers use readStatus. */
  readChecked(name: string): {
    status: WorkcellStatus | null;
    exit: ExitRecord | null;
    killed: KilledRecord | null;
  } {
    return {
      status: checkStatusOrNull(readRecord(this.path(name, 'status'), RUN_FILES.status, false)),
      // exit.json is renamed into place, killed.json written atomically: a torn read is a crash of
      // an older wrapper mid-write at worst, so it reads as absent and the next look sees the rest.
      exit: checkExit(readRecord(this.path(name, 'exit'), RUN_FILES.exit, true), () =>
        mtimeOf(this.path(name, 'exit')),
      ),
      killed: checkKilled(readRecord(this.path(name, 'killed'), RUN_FILES.killed, true)),
    };
  }

  readStatus(name: string): Promise<WorkcellStatus | null> {
    return readJson<WorkcellStatus>(this.path(name, 'status'));
  }
  /** exit.json, dated by its mtime where the wrapper wrote no `endedAt` (home.ts); null while absent
   * or half-written. */
  async readExit(name: string): Promise<ExitRecord | null> {
    const path = this.path(name, 'exit');
    const raw = await readJson<unknown>(path);
    try {
      return checkExit(raw, () => mtimeOf(path));
    } catch {
      return null; // not an exit record: the listing (readChecked) reports it as a broken run
    }
  }
  readKilled(name: string): Promise<KilledRecord | null> {
    return readJson<KilledRecord>(this.path(name, 'killed'));
  }

  async writeStatus(status: WorkcellStatus): Promise<void> {
    await writeJsonAtomic(this.path(status.name, 'status'), status);
  }

  /** Locked read-modify-write. `mutate` returns the new status, or null to leave it as it is. */
  async updateStatus(
    name: string,
    mutate: (s: WorkcellStatus) => WorkcellStatus | null,
    /** Runs inside the lock after `mutate` chose a change and before status.json is written: the
     * transition appends its timeline events here, so whoever sees the new status finds its event. */
    beforeWrite?: (next: WorkcellStatus, current: WorkcellStatus) => Promise<void>,
  ): Promise<WorkcellStatus | null> {
    return withFileLock(this.dir.runDir(name), { file: '.status.lock' }, async () => {
      const current = await this.readStatus(name);
      if (!current) return null;
      const next = mutate(current);
      if (!next) return current;
      await beforeWrite?.(next, current);
      await this.writeStatus(next);
      return next;
    });
  }

  async appendEvent(name: string, event: Omit<WorkcellEvent, 'at'> & { at?: string }): Promise<void> {
    const line: WorkcellEvent = { at: new Date().toISOString(), ...event } as WorkcellEvent;
    await appendLine(this.path(name, 'events'), JSON.stringify(line));
  }

  async readEvents(name: string): Promise<WorkcellEvent[]> {
    let text: string;
    try {
      text = await fs.readFile(this.path(name, 'events'), 'utf8');
    } catch (e) {
      // ENOENT: no events yet
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: WorkcellEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as WorkcellEvent);
      } catch {
        // a line torn by a full disk or a crash mid-append: skip it, keep the rest of the timeline
      }
    }
    return out;
  }
}

function checkStatusOrNull(raw: unknown): WorkcellStatus | null {
  return raw === null ? null : checkStatus(raw);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // ENOENT / ENOTDIR: not a directory either
    return false;
  }
}
