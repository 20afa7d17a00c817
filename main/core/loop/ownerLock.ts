// One lock per loop, pipeline and worktree (issue 13): locks/<kind>.<key>.json names its owner (pid,
// process start time, host, the workcell it is running and the worktree it changes). A second run
// refuses with the owner's identity. The lock is stale only when its owner is dead (pid gone, or the
// pid now belongs to a process with another start time), never by age: peers that expire locks by
// age stole them from live, slow owners (agent-orchestrator #1308). `force` takes a live lock over
// explicitly; the old owner notices at its next check (`stillOwned`) and stops.
// The `.` in the file name keeps these apart from the workcell name locks (names cannot hold a `.`).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive, processStartTime } from '../daemon/leaderLock.js';
import { writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';

export type LockKind = 'loop' | 'pipeline' | 'worktree';

export interface OwnerRecord {
  kind: LockKind;
  key: string;
  pid: number;
  /** Opaque process start time (leaderLock.processStartTime): tells a reused pid from the owner. */
  startTime: string | null;
  host: string;
  startedAt: string;
  /** The workcell the owner is running now, when it runs one. */
  workcell: string | null;
  /** The worktree (or repo) the owner changes. */
  worktree: string | null;
}

export type LockResult =
  { ok: true; record: OwnerRecord; tookOverFrom: OwnerRecord | null } | { ok: false; holder: OwnerRecord };

// The critical section takes milliseconds; a section lock this old belongs to a taker that died in it
// (this is the only age rule, and it guards the few ms of a takeover, never the owner record itself).
const SECTION = { staleMs: 10_000, retries: { retries: 20, minTimeout: 10, maxTimeout: 100 } } as const;

/** A worktree path becomes a fixed-length key (paths hold characters a file name must not). */
export const worktreeKey = (path: string) => createHash('sha256').update(path).digest('hex').slice(0, 16);

export const ownerLockPath = (dir: ControlDir, kind: LockKind, key: string) =>
  join(dir.locks, `${kind}.${key}.json`);

export function readOwner(dir: ControlDir, kind: LockKind, key: string): OwnerRecord | null {
  try {
    return JSON.parse(readFileSync(ownerLockPath(dir, kind, key), 'utf8')) as OwnerRecord;
  } catch {
    // ENOENT: nobody holds it; a torn record cannot name a live owner either
    return null;
  }
}

export const ownerAlive = (r: OwnerRecord): boolean => isAlive({ ...r, keeperPid: null });

const isMe = (r: OwnerRecord) => r.pid === process.pid && r.host === hostname();

/** One line naming the owner, for refusals and `ls`. */
export function describeOwner(r: OwnerRecord): string {
  const what = r.workcell ? `, running workcell ${r.workcell}` : '';
  const where = r.worktree ? ` in ${r.worktree}` : '';
  return `pid ${r.pid} on ${r.host} since ${r.startedAt}${what}${where}`;
}

export interface AcquireOptions {
  workcell?: string | null;
  worktree?: string | null;
  /** Take it over even from a live owner (the user said --force). */
  force?: boolean;
  /** Take it over from this live pid only (the CLI that took the lock hands it to the runner it spawned). */
  handoverFrom?: number;
}

/** Takes the lock, or names its live owner. */
export async function acquireOwner(
  dir: ControlDir,
  kind: LockKind,
  key: string,
  o: AcquireOptions = {},
): Promise<LockResult> {
  mkdirSync(dir.locks, { recursive: true, mode: 0o700 });
  const path = ownerLockPath(dir, kind, key);
  const lockfile = (await import('proper-lockfile')).default;
  const release = await lockfile.lock(path, {
    lockfilePath: `${path}.section`,
    realpath: false,
    stale: SECTION.staleMs,
    retries: SECTION.retries,
  });
  try {
    const prev = readOwner(dir, kind, key);
    const live = prev && ownerAlive(prev) && !isMe(prev) ? prev : null;
    const handover = live && o.handoverFrom !== undefined && live.pid === o.handoverFrom;
    if (live && !o.force && !handover) return { ok: false, holder: live };
    const record: OwnerRecord = {
      kind,
      key,
      pid: process.pid,
      startTime: processStartTime(process.pid),
      host: hostname(),
      startedAt: new Date().toISOString(),
      workcell: o.workcell ?? null,
      worktree: o.worktree ?? null,
    };
    await writeJsonAtomic(path, record);
    return { ok: true, record, tookOverFrom: live && !handover ? live : null };
  } finally {
    await release();
  }
}

/** True while the record still names this process (a `--force` elsewhere takes it away). */
export function stillOwned(dir: ControlDir, kind: LockKind, key: string): boolean {
  const r = readOwner(dir, kind, key);
  return r !== null && isMe(r);
}

/** Says which workcell the owner runs now (shown in the refusal a second run gets). */
export async function noteWorkcell(
  dir: ControlDir,
  kind: LockKind,
  key: string,
  workcell: string | null,
): Promise<void> {
  const r = readOwner(dir, kind, key);
  if (r && isMe(r)) await writeJsonAtomic(ownerLockPath(dir, kind, key), { ...r, workcell });
}

/** Removes the record if it is still ours. */
export function releaseOwner(dir: ControlDir, kind: LockKind, key: string): void {
  const r = readOwner(dir, kind, key);
  if (!r || !isMe(r)) return;
  try {
    unlinkSync(ownerLockPath(dir, kind, key));
  } catch {
    // ENOENT: the home was removed under us; nothing to release
  }
}

/** Lock records whose owner is dead (for gc). Live owners and other hosts' records are left alone. */
export function staleOwnerLocks(dir: ControlDir, names: readonly string[]): OwnerRecord[] {
  const out: OwnerRecord[] = [];
  for (const f of names) {
    const m = /^(loop|pipeline|worktree)\.(.+)\.json$/.exec(f);
    if (!m) continue;
    const r = readOwner(dir, m[1] as LockKind, m[2]!);
    if (r && !ownerAlive(r)) out.push(r);
  }
  return out;
}
