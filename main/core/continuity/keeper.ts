// Continuity made durable while workcells run, piggybacking on the supervisor's reconcile (never a
// polling loop of its own): the first checkpoint of every pass (start and resume leave it to the
// daemon's first look, off their caller's path), one at every state change and every few minutes of activity,
// the vendor session record following in-session switches (hook SessionStart with a new id), and
// ids that cannot be chosen captured once the vendor has written them (codex rollout, opencode).
// Every status write goes through Transitions.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  isEnded,
  type VendorSessionRecord,
  type WorkcellStatus,
  type WorkcellSummary,
} from '../../common/workcell.js';
import { readHookEvents } from '../agents/hooks.js';
import { HOOK_EVENTS_FILE } from '../agents/hookSink.js';
import { followSession } from '../agents/sessionIds.js';
import { captureSessionId, type VendorEnv } from '../agents/sessionStore.js';
import type { RunStore } from '../runStore.js';
import type { Transitions } from '../transition.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';

/** Tunables with their reason. */
export const KEEPER = {
  // "Every few minutes of activity": often enough that a crash loses little, rare enough that git
  // status on 100 busy repos stays cheap.
  activityEveryMs: 3 * 60_000,
  // How often a codex/opencode id not yet written is looked for (a readdir of the vendor's store).
  captureEveryMs: 5_000,
  concurrency: 2,
} as const;

interface Seen {
  state: string;
  pass: number;
  checkpointAt: number;
  activity: number;
  hookOffset: number;
  captureAt: number;
}

export class ContinuityKeeper {
  private readonly seen = new Map<string, Seen>();
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    private readonly transitions: Transitions,
    private readonly o: { env?: VendorEnv; now?: () => Date; activityEveryMs?: number } = {},
  ) {}

  /** Called with every reconcile's list; work is queued behind the previous call, never concurrent. */
  observe(list: readonly WorkcellSummary[], now = Date.now()): Promise<void> {
    this.busy = this.busy
      .then(() => this.run(list, now))
      .catch(() => {
        // a run dir removed under us (gc --remove) or a full disk: the next reconcile tries again
      });
    return this.busy;
  }

  private async run(list: readonly WorkcellSummary[], now: number): Promise<void> {
    const present = new Set(list.map((w) => w.name));
    for (const n of this.seen.keys()) if (!present.has(n)) this.seen.delete(n);
    let next = 0;
    const worker = async () => {
      while (next < list.length) await this.one(list[next++]!, now);
    };
    await Promise.all(Array.from({ length: Math.min(KEEPER.concurrency, list.length) }, worker));
  }

  private async one(w: WorkcellSummary, now: number): Promise<void> {
    let seen = this.seen.get(w.name);
    const live = !isEnded(w.state);
    if (!seen) {
      // First sight (a restarted daemon): checkpoint only if the last one is out of date.
      const cp = await readCheckpoint(w.runDir);
      seen = {
        state: cp?.state ?? '',
        pass: cp?.pass ?? 0,
        checkpointAt: cp ? Date.parse(cp.at) : 0,
        activity: w.pane?.activity ?? 0,
        hookOffset: 0,
        captureAt: 0,
      };
      this.seen.set(w.name, seen);
    }
    if (live) await this.followSession(w, seen, now);
    const changed = seen.state !== w.state || seen.pass !== w.pass;
    const active =
      live &&
      (w.pane?.activity ?? 0) !== seen.activity &&
      now - seen.checkpointAt >= (this.o.activityEveryMs ?? KEEPER.activityEveryMs);
    if (!changed && !active) return;
    const s = await this.store.readStatus(w.name);
    if (!s) return;
    // A live pass with no checkpoint of its own yet is one a start or a resume just launched.
    const why =
      live && seen.pass !== w.pass
        ? w.pass === 1
          ? 'started'
          : 'resumed'
        : changed
          ? `state ${seen.state || 'unknown'} -> ${w.state}`
          : 'activity';
    if (await writeCheckpoint(w.runDir, s, why, this.o.now?.() ?? new Date(now))) {
      seen.state = w.state;
      seen.pass = w.pass;
      seen.checkpointAt = now;
      seen.activity = w.pane?.activity ?? 0;
    }
  }

  private async followSession(w: WorkcellSummary, seen: Seen, now: number): Promise<void> {
    const file = join(w.runDir, 'hooks', HOOK_EVENTS_FILE);
    const size = (await stat(file).catch(() => null))?.size ?? 0; // no hooks for this vendor: 0
    const capture =
      (w.agent === 'codex' || w.agent === 'opencode') && now - seen.captureAt >= KEEPER.captureEveryMs;
    if (size <= seen.hookOffset && !capture) return;
    const s = await this.store.readStatus(w.name);
    if (!s) return;
    const cur = recordOf(s);
    let rec = cur;
    if (size > seen.hookOffset) {
      const r = await readHookEvents(w.runDir, seen.hookOffset);
      seen.hookOffset = r.nextOffset;
      rec = followSession(rec, r.events);
    }
    if (!rec.id && capture) {
      seen.captureAt = now;
      const taken = await this.idsTaken(w.name);
      const got = await captureSessionId(s.agent, {
        cwd: s.repo,
        since: new Date(s.startedAt),
        env: this.o.env ?? process.env,
        taken,
      });
      if (got)
        rec = {
          id: got.id,
          how: 'captured',
          at: new Date(now).toISOString(),
          source: 'store',
          previous: rec.previous,
        };
    }
    if (rec === cur || rec.id === cur.id) return;
    await this.transitions.transition(w.name, {
      when: (x) => x.pass === s.pass && (x.vendorSession?.id ?? x.vendorSessionId) === cur.id,
      patch: { vendorSession: rec, vendorSessionId: rec.id },
      event: {
        type: 'vendor-session',
        how: rec.how,
        id: rec.id,
        from: cur.id,
        ...(rec.source ? { source: rec.source } : {}),
      },
    });
  }

  /** Vendor ids other workcells hold: one workcell per vendor session id. */
  private async idsTaken(self: string): Promise<Set<string>> {
    const out = new Set<string>();
    const names = await this.store.listNames();
    if (!names.ok) return out;
    for (const n of names.value) {
      if (n === self) continue;
      const id = (await this.store.readStatus(n).catch(() => null))?.vendorSessionId; // broken: skip
      if (id) out.add(id);
    }
    return out;
  }
}

export function recordOf(s: WorkcellStatus): VendorSessionRecord {
  return (
    s.vendorSession ?? {
      id: s.vendorSessionId,
      how: s.vendorSessionId ? 'minted' : 'none',
      at: s.startedAt,
      previous: [],
    }
  );
}
