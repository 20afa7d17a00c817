// Exactly one supervisor per control directory (DESIGN.md §3): a leader record (pid + process start
// time + host) in daemon/leader.json. It is stale only when its owner is dead, never by age alone: a
// live pid whose start time differs is a reused pid, i.e. dead. Taking over a stale record happens in
// a short critical section (proper-lockfile on daemon/, milliseconds long), so two starters racing for
// a dead leader's place cannot both win.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';
import { linuxStartTime } from '../processes.js';
import { daemonDir } from './layout.js';

export interface LeaderRecord {
  pid: number;
  /** Opaque process start time (Linux: /proc/PID/stat field 22; elsewhere `ps -o lstart=`). */
  startTime: string | null;
  host: string;
  startedAt: string;
  /** The keeper that restarts this daemon after a crash, if any. */
  keeperPid: number | null;
}

// The critical section takes milliseconds; a lock this old belongs to a starter that died inside it.
const TAKEOVER = { staleMs: 10_000, retries: { retries: 20, minTimeout: 20, maxTimeout: 200 } } as const;

const leaderPath = (dir: ControlDir) => join(daemonDir(dir), 'leader.json');

/** The start time of a live process, or null when it is gone (or unknowable on this platform). The
 * leader compares it only with itself, so the platform's own format is enough. */
export function processStartTime(pid: number): string | null {
  if (process.platform === 'linux') return linuxStartTime(pid);
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim() || null;
  } catch {
    // ps exits 1 for no such process
    return null;
  }
}

export function isAlive(rec: LeaderRecord): boolean {
  // Another host shares this home (a network file system): we cannot see its processes, so its
  // leader counts as alive; `workcell daemon stop` on that host is the way to end it.
  if (rec.host !== hostname()) return true;
  try {
    process.kill(rec.pid, 0);
  } catch {
    // ESRCH: gone. EPERM: a process of another user reusing the pid, which is not our daemon.
    return false;
  }
  const now = processStartTime(rec.pid);
  return rec.startTime === null || now === null || now === rec.startTime;
}

export function readLeader(dir: ControlDir): LeaderRecord | null {
  try {
    return JSON.parse(readFileSync(leaderPath(dir), 'utf8')) as LeaderRecord;
  } catch {
    // ENOENT: no daemon ever ran, or it released; a torn file cannot name a live owner either
    return null;
  }
}

/** The live leader, or null. */
export function liveLeader(dir: ControlDir): LeaderRecord | null {
  const rec = readLeader(dir);
  return rec && isAlive(rec) ? rec : null;
}

export type Acquired = { ok: true; release: () => void } | { ok: false; holder: LeaderRecord };

/** Becomes the leader, or names the live one. */
export async function acquireLeader(dir: ControlDir, keeperPid: number | null = null): Promise<Acquired> {
  mkdirSync(daemonDir(dir), { recursive: true, mode: 0o700 });
  const lockfile = (await import('proper-lockfile')).default;
  const release = await lockfile.lock(daemonDir(dir), {
    lockfilePath: join(daemonDir(dir), 'takeover.lock'),
    stale: TAKEOVER.staleMs,
    retries: TAKEOVER.retries,
  });
  try {
    const holder = liveLeader(dir);
    if (holder && !(holder.pid === process.pid && holder.host === hostname())) return { ok: false, holder };
    const mine: LeaderRecord = {
      pid: process.pid,
      startTime: processStartTime(process.pid),
      host: hostname(),
      startedAt: new Date().toISOString(),
      keeperPid,
    };
    await writeJsonAtomic(leaderPath(dir), mine);
    return { ok: true, release: () => releaseLeader(dir) };
  } finally {
    await release();
  }
}

/** Removes the record if it is still ours (a successor may have taken over after we were thought dead). */
export function releaseLeader(dir: ControlDir): void {
  const rec = readLeader(dir);
  if (rec && rec.pid === process.pid && rec.host === hostname()) {
    try {
      unlinkSync(leaderPath(dir));
    } catch {
      // ENOENT: the home was removed under us; nothing to release
    }
  }
}
