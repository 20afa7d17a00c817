// $WORKCELLS_HOME/state/notified.json: which change ids each notifier has been given, so a restarted
// supervisor never repeats a notification. One writer: the home's leading supervisor.
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NotifyMessage } from '../../common/notify.js';
import { isDiskFull, writeFileAtomic } from '../fsutil.js';

/** pending: intent recorded, delivery under way, or interrupted by a crash (then re-sent by the next
 * dispatcher, see `takeOver`). skipped: the change predates what this ledger remembers (it was lost
 * or corrupt), so whether it was sent is unknown, and it is not sent. */
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'muted' | 'skipped';

export interface LedgerEntry {
  name: string;
  /** When the entry was first recorded (ms since epoch), for pruning and the re-send window. */
  recordedAt: number;
  notifiers: Record<string, DeliveryStatus>;
  /** The formatted message, kept while any notifier is pending so a restarted dispatcher can re-send
   * it. Messages hold no secrets (they are built from state, never from settings). */
  msg?: NotifyMessage;
  /** `pid:token` of the process delivering the pending sends (see `ownerAlive`). */
  owner?: string;
}
export interface LedgerData {
  version: 2;
  /** When this ledger started remembering (ms). 0 for a ledger carried over from version 1. */
  createdAt: number;
  changes: Record<string, LedgerEntry>;
}

export const LEDGER = {
  // 14 days: the dispatcher refuses changes older than this (see NotificationDispatcher), so pruning an
  // entry can never let its change be sent again; two weeks covers any realistic laptop-off catch-up.
  retentionMs: 14 * 24 * 3600_000,
  // Hard cap so a runaway loop of state changes cannot grow the file without bound (~150 bytes each,
  // ~1.5 kB while a message waits in it).
  maxEntries: 20_000,
  // 24 h: a pending send interrupted by a crash is re-sent on the next start if it is younger than
  // this. A laptop closed overnight still gets its "done"; older news is stale and is dropped
  // (recorded as failed) rather than buzzing a phone about yesterday.
  resendWindowMs: 24 * 3600_000,
  // 5 min: a ledger that is lost or corrupt starts remembering now. A change older than that and not
  // in the ledger may have been sent already: it is skipped instead of re-sent (a lost file must not
  // replay a day of notifications). The 5 minutes cover a supervisor that crashed, lost its file, and
  // was restarted at once: what happened just before the restart is most likely unsent news.
  horizonSlackMs: 5 * 60_000,
} as const;

/** One token per process: two dispatchers in the same process never take each other's sends over. */
export const PROCESS_OWNER = `${process.pid}:${Math.random().toString(36).slice(2, 10)}`;

/** Whether the process that recorded `owner` may still be delivering. Our own pid with another token
 * is a dead predecessor whose pid we were given (containers restart daemons as the same pid). */
export function ownerAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  if (owner === PROCESS_OWNER) return true;
  const pid = Number(owner.split(':')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // ESRCH: gone. EPERM: alive but another user's (a reused pid): not ours to take, but not our
    // predecessor either; treat as alive, the send stays pending until that process exits.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ClaimOptions {
  status?: DeliveryStatus;
  msg?: NotifyMessage;
  /** When the change happened (ms), for the horizon of a ledger that was lost. */
  at?: number;
  /** The supervisor's word for a change the ledger does not know: true "already reported" (recorded
   * as sent, not sent again), false "never reported" (sent even before the horizon), null unknown. */
  reported?: (key: string) => boolean | null;
}

/** A pending send taken over from a dead process. */
export interface Resend {
  changeId: string;
  keys: string[];
  msg: NotifyMessage;
}

export class NotifiedLedger {
  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Records intent for the keys not seen before for this change and returns them: the caller must
   * deliver exactly those. A key already present (any status) is never handed out again. */
  claim(changeId: string, name: string, keys: readonly string[], opts: ClaimOptions = {}): Promise<string[]> {
    const { value, durable } = this.claimNow(changeId, name, keys, opts);
    return durable.then(() => value);
  }

  /** claim, with the keys to deliver at once and the write that records the intent (see apply). */
  claimNow(
    changeId: string,
    name: string,
    keys: readonly string[],
    opts: ClaimOptions = {},
  ): { value: string[]; durable: Promise<void> } {
    const status = opts.status ?? 'pending';
    return this.apply((data) => {
      const known = data.changes[changeId];
      const entry = known ?? { name, recordedAt: this.now(), notifiers: {} };
      const beforeHorizon =
        !known && opts.at !== undefined && opts.at < data.createdAt - LEDGER.horizonSlackMs;
      const fresh: string[] = [];
      for (const k of keys) {
        if (k in entry.notifiers) continue;
        const said = opts.reported?.(k) ?? null;
        if (said === true) entry.notifiers[k] = 'sent';
        else if (said === null && beforeHorizon) entry.notifiers[k] = 'skipped';
        else {
          entry.notifiers[k] = status;
          fresh.push(k);
        }
      }
      if (status === 'pending' && fresh.length > 0 && opts.msg) {
        entry.msg = opts.msg;
        entry.owner = PROCESS_OWNER;
      }
      data.changes[changeId] = entry;
      return fresh;
    });
  }

  settle(changeId: string, key: string, status: DeliveryStatus): Promise<void> {
    return this.update((data) => {
      const entry = data.changes[changeId];
      if (!entry) return;
      entry.notifiers[key] = status;
      if (!Object.values(entry.notifiers).includes('pending')) {
        delete entry.msg;
        delete entry.owner;
      }
    });
  }

  /** Takes over the pending sends of dead processes: those younger than `resendWindowMs` become ours
   * and are returned for re-sending; older ones (and ones recorded without a message, by a version
   * that did not keep it) are given up as failed. Pending sends of live processes are left alone. */
  takeOver(): Promise<Resend[]> {
    return this.update((data) => {
      const cutoff = this.now() - LEDGER.resendWindowMs;
      const out: Resend[] = [];
      for (const [changeId, entry] of Object.entries(data.changes)) {
        const keys = Object.keys(entry.notifiers).filter((k) => entry.notifiers[k] === 'pending');
        if (keys.length === 0 || ownerAlive(entry.owner)) continue;
        if (!entry.msg || entry.recordedAt < cutoff) {
          for (const k of keys) entry.notifiers[k] = 'failed';
          delete entry.msg;
          delete entry.owner;
          continue;
        }
        entry.owner = PROCESS_OWNER;
        out.push({ changeId, keys, msg: entry.msg });
      }
      return out;
    });
  }

  read(): LedgerData {
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as {
        version?: number;
        createdAt?: unknown;
        changes?: LedgerData['changes'];
      } | null;
      const changes = raw && typeof raw.changes === 'object' && raw.changes ? raw.changes : null;
      if (changes && raw?.version === 2 && typeof raw.createdAt === 'number')
        return { version: 2, createdAt: raw.createdAt, changes };
      // Version 1 kept no creation time: it remembers everything within the retention window.
      if (changes && raw?.version === 1) return { version: 2, createdAt: 0, changes };
      throw new Error('unexpected shape');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.empty();
      // Writes are atomic, so this is a hand-edited or foreign file: keep it for inspection and start
      // over rather than stop notifying altogether.
      const aside = `${this.file}.corrupt-${this.now()}`;
      try {
        renameSync(this.file, aside);
      } catch {
        // another process moved it first: it is out of the way either way
      }
      this.log(`notify: ${this.file} was unreadable; moved to ${aside} and started a new ledger`);
      return this.empty();
    }
  }

  private empty(): LedgerData {
    return { version: 2, createdAt: this.now(), changes: {} };
  }

  /** Resolves once every update made so far is on disk (or held in memory on a full disk). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Applies `fn` to the ledger in memory at once and returns its value with the promise of the write
   * that records it. The dispatcher starts a delivery on the value (an exit's notification must not
   * wait for a disk write: measured 150-250 ms on a loaded 2-core machine for lock + read + fsync)
   * and reports the change as safely recorded only on `durable`. A crash in between re-tells the change
   * (seen.json holds it until then): at least once, never lost. */
  apply<T>(fn: (data: LedgerData) => T): { value: T; durable: Promise<void> } {
    const value = fn(this.current());
    return { value, durable: this.persist() };
  }

  private update<T>(fn: (data: LedgerData) => T): Promise<T> {
    try {
      const { value, durable } = this.apply(fn);
      return durable.then(() => value);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The ledger lives in memory after the first read. Only one process writes it: the supervisor that
   * holds the home's leader lock (daemon/leaderLock.ts), so no file lock and no re-read per update; a
   * predecessor's file is read once, after it died. */
  private current(): LedgerData {
    this.data ??= this.read();
    return this.data;
  }
  private data: LedgerData | null = null;

  /** Group commit: updates made while a write is in flight go into ONE next write, so 50 simultaneous
   * changes cost one or two file writes, not 50. Resolves when a write that includes this call's state
   * has finished. */
  private persist(): Promise<void> {
    this.dirty = true;
    // A write in flight has older state: ours goes in the next round of the same loop.
    this.writing ??= this.writeLoop();
    return this.writing;
  }
  private async writeLoop(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        await this.write(this.current());
      }
    } finally {
      this.writing = null; // in the same turn as the last `dirty` check: no update falls in between
    }
  }
  private writing: Promise<void> | null = null;
  private dirty = false;

  /** Writes the ledger; on a full disk it stays in memory only, so the sends it was recording go out
   * all the same (a notification is worth more than its record). Written again once there is room. */
  private async write(data: LedgerData): Promise<void> {
    this.prune(data);
    try {
      try {
        mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      } catch (e) {
        if (!isDiskFull(e)) throw e;
      }
      await writeFileAtomic(this.file, JSON.stringify(data));
      if (this.diskFull) this.log(`notify: disk has room again; ${this.file} is written`);
      this.diskFull = false;
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      if (!this.diskFull)
        this.log(
          `notify: disk full: cannot write ${this.file}; notifying from memory until there is room (free some space: a restart meanwhile may repeat or miss a notification)`,
        );
      this.diskFull = true;
    }
  }
  private diskFull = false;

  private prune(data: LedgerData): void {
    const cutoff = this.now() - LEDGER.retentionMs;
    let ids = Object.keys(data.changes);
    for (const id of ids) if (data.changes[id]!.recordedAt < cutoff) delete data.changes[id];
    ids = Object.keys(data.changes);
    if (ids.length > LEDGER.maxEntries) {
      ids.sort((a, b) => data.changes[a]!.recordedAt - data.changes[b]!.recordedAt);
      for (const id of ids.slice(0, ids.length - LEDGER.maxEntries)) delete data.changes[id];
    }
  }
}
