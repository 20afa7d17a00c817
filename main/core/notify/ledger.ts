// $WORKCELLS_HOME/state/notified.json: which change ids each notifier has been given, so a restarted
// supervisor (or a second one: the app and `workcell watch` at once) never repeats a notification.
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';

/** pending: intent recorded, delivery under way (or interrupted by a crash). */
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'muted';

export interface LedgerEntry {
  name: string;
  /** When the entry was first recorded (ms since epoch), for pruning. */
  recordedAt: number;
  notifiers: Record<string, DeliveryStatus>;
}
export interface LedgerData {
  version: 1;
  changes: Record<string, LedgerEntry>;
}

export const LEDGER = {
  // 14 days: the dispatcher refuses changes older than this (see NotificationDispatcher), so pruning an
  // entry can never let its change be sent again; two weeks covers any realistic laptop-off catch-up.
  retentionMs: 14 * 24 * 3600_000,
  // Hard cap so a runaway loop of state changes cannot grow the file without bound (~150 bytes each).
  maxEntries: 20_000,
  // proper-lockfile: a lock older than 10 s belongs to a dead process (a write takes milliseconds).
  staleLockMs: 10_000,
} as const;

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
  claim(
    changeId: string,
    name: string,
    keys: readonly string[],
    status: DeliveryStatus = 'pending',
  ): Promise<string[]> {
    return this.update((data) => {
      const entry = (data.changes[changeId] ??= { name, recordedAt: this.now(), notifiers: {} });
      const fresh = keys.filter((k) => !(k in entry.notifiers));
      for (const k of fresh) entry.notifiers[k] = status;
      return fresh;
    });
  }

  settle(changeId: string, key: string, status: DeliveryStatus): Promise<void> {
    return this.update((data) => {
      const entry = data.changes[changeId];
      if (entry) entry.notifiers[key] = status;
    });
  }

  read(): LedgerData {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as LedgerData;
      if (data && data.version === 1 && typeof data.changes === 'object' && data.changes) return data;
      throw new Error('unexpected shape');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, changes: {} };
      // Writes are atomic, so this is a hand-edited or foreign file: keep it for inspection and start
      // over rather than stop notifying altogether.
      const aside = `${this.file}.corrupt-${this.now()}`;
      try {
        renameSync(this.file, aside);
      } catch {
        // another process moved it first: it is out of the way either way
      }
      this.log(`notify: ${this.file} was unreadable; moved to ${aside} and started a new ledger`);
      return { version: 1, changes: {} };
    }
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
        mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
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
        const data = this.read();
        const results = batch.map((job) => {
          try {
            return { ok: true as const, value: job.fn(data) };
          } catch (e) {
            return { ok: false as const, error: e };
          }
        });
        this.prune(data);
        await writeFileAtomic(this.file, JSON.stringify(data), { mode: 0o600 });
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
