// $WORKCELLS_HOME/state/notified.json: which change ids each notifier has been given, so a restarted
// supervisor (or a second one: the app and `workcell watch` at once) never repeats a notification.
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
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
  // proper-lockfile: a lock older than 10 s belongs to a dead process (a write takes milliseconds).
  staleLockMs: 10_000,
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

type Job = { fn: (data: LedgerData) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };

export class NotifiedLedger {
  private queue: Job[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Records intent for the keys not seen before for this change and returns them: the caller must
   * deliver exactly those. A key already present (any status) is never handed out again. */
  claim(changeId: string, name: string, keys: readonly string[], opts: ClaimOptions = {}): Promise<string[]> {
    const status = opts.status ?? 'pending';
    return this.update((data) => {
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

  /** Resolves once every queued update is on disk. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Group commit: every update queued while a write is in flight goes into the next single
   * lock + read + write cycle, so 50 simultaneous changes cost one or two file writes, not 50. */
  private update<T>(fn: (data: LedgerData) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = this.drain().finally(() => {
          this.draining = null;
        });
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      let release: (() => Promise<void>) | null = null;
      try {
        try {
          mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
        } catch (e) {
          if (!isDiskFull(e)) throw e;
          // state/ cannot be created on a full disk: the write below fails too, and memory takes over
        }
        try {
          release = await lockfile.lock(this.file, {
            realpath: false,
            stale: LEDGER.staleLockMs,
            retries: { retries: 100, minTimeout: 5, maxTimeout: 50 },
            // A lost lock only risks a rare duplicate between two supervisors; never crash for it.
            onCompromised: (e) => this.log(`notify: ledger lock compromised: ${e.message}`),
          });
        } catch (e) {
          // Lock held past all retries (a hung peer): write anyway; the in-process queue still
          // serialises our own writes, and the worst case is one duplicate between two supervisors.
          this.log(`notify: could not lock ${this.file} (${(e as Error).message}); writing without it`);
        }
        // While the disk is full the ledger lives in memory: the file on disk is behind it.
        const data = this.memory ?? this.read();
        const results = batch.map((job) => {
          try {
            return { ok: true as const, value: job.fn(data) };
          } catch (e) {
            return { ok: false as const, error: e };
          }
        });
        this.prune(data);
        await this.write(data);
        batch.forEach((job, i) => {
          const r = results[i]!;
          if (r.ok) job.resolve(r.value);
          else job.reject(r.error);
        });
      } catch (e) {
        for (const job of batch) job.reject(e);
      } finally {
        if (release) {
          await release().catch((e: Error) => this.log(`notify: ledger unlock failed: ${e.message}`));
        }
      }
    }
  }

  /** Writes the ledger; on a full disk keeps it in memory instead, so the sends it was recording go out
   * all the same (a notification is worth more than its record). Written again once there is room. */
  private async write(data: LedgerData): Promise<void> {
    try {
      await writeFileAtomic(this.file, JSON.stringify(data));
      if (this.memory) this.log(`notify: disk has room again; ${this.file} is written`);
      this.memory = null;
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      if (!this.memory)
        this.log(
          `notify: disk full: cannot write ${this.file}; notifying from memory until there is room (free some space: a restart meanwhile may repeat or miss a notification)`,
        );
      this.memory = data;
    }
  }
  private memory: LedgerData | null = null;

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
