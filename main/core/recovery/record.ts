// The recovery record of one workcell: `runs/<name>/recovery.json`, the one place a scheduled resume,
// its attempts and the workcell's recovery policy live. On disk so a scheduled resume survives the
// daemon (restart, SIGKILL) and the machine (sleep): the daemon re-arms its timer from it on start, and
// a due time that passed while asleep fires on wake. Written only under its lock (the daemon and a CLI
// `recover`/`cancel` may race); `claim` is what makes a firing happen once, never twice.
import { join } from 'node:path';
import type { AgentName } from '../../common/workcell.js';
import { exists, readJson, writeJsonAtomic } from '../fsutil.js';
import { err, ok, type Result } from '../result.js';
import type { ControlDir } from '../paths.js';
import { withFileLock } from '../fileLock.js';

export const RECOVERY_FILE = 'recovery.json';
export const POLICIES = ['auto', 'suggest', 'off'] as const;
export type RecoveryPolicy = (typeof POLICIES)[number];

/** Where a reset time came from: a vendor's structured event (hook, stream-json), the screen's text,
 * or our own estimate (a capped backoff) when the vendor named none. */
export type ResetSource = 'structured' | 'parsed' | 'estimated';

export type ScheduleState =
  /** Waiting for dueAt (auto) or for the user (suggest). */
  | 'scheduled'
  /** Claimed by a firing: the action is under way (a daemon killed here re-fires it once on start). */
  | 'firing'
  /** The action was taken; waiting to see the limit gone before calling it resumed. */
  | 'confirming'
  | 'resumed'
  | 'cancelled'
  /** Attempts used up, the breaker opened, or a hold: waits for the user. */
  | 'gave_up';

export interface LimitSchedule {
  kind: 'limit';
  state: ScheduleState;
  /** Unique per firing: `<pass>:<attempt>`. A claim names it, so a stale timer cannot fire a newer one. */
  id: string;
  pass: number;
  vendor: AgentName;
  resetAt: string | null;
  resetSource: ResetSource;
  /** reset + jitter (or the backoff): when the resume fires. */
  dueAt: string;
  /** Automatic attempts in this limit window (at most RECOVERY.attemptsPerWindow). */
  attempts: number;
  /** The limit window: the first resetAt seen (or when the limit was first seen). */
  window: string;
  /** What the firing did (send-keys continue, relaunch by id, ...) and when. */
  how?: string;
  firedAt?: string;
  /** The workcell's stateSince and pass when the action was taken: a state that began after it (not a
   * timestamp compare, so a fake clock in tests and a skewed one in life agree) confirms or refutes. */
  seenSince?: string | null;
  seenPass?: number;
  /** Why it is cancelled / given up, or what confirmed it. */
  note?: string;
  /** What the check after the firing found (confirm.ts); absent while it still looks. */
  check?: LimitCheck;
}

/** working: the agent works again and the limit stayed away; limited: the limit is still there;
 * mismatch: a relaunch opened another (blank) conversation; waiting: a dialog blocks the resume;
 * ended: the agent ended without the limit (a failure of its own, told as any end is);
 * not_working: neither working nor limited within the deadline. */
export interface LimitCheck {
  verdict: 'working' | 'limited' | 'mismatch' | 'waiting' | 'ended' | 'not_working';
  detail: string;
  /** limited: the reset the agent named this time (null: none), which the next try waits for. */
  resetAt?: string | null;
  at: string;
}

export interface RecoveryRecord {
  v: 1;
  /** Per-workcell policy; absent = the settings default. */
  policy?: RecoveryPolicy;
  limit?: LimitSchedule;
  /** Automatic restarts (ms epoch) for the per-workcell budget. */
  restarts?: number[];
  /** Per-pass progress keys for the circuit breaker: head, diff, verify tail and error. */
  passes?: { pass: number; key: string; error: string | null }[];
  /** The last pass an automatic relaunch (lost, partial) was decided for: once per pass. */
  actedPass?: number;
}

const pathOf = (dir: ControlDir, name: string) => join(dir.runDir(name), RECOVERY_FILE);

export async function readRecovery(dir: ControlDir, name: string): Promise<RecoveryRecord> {
  return (await readJson<RecoveryRecord>(pathOf(dir, name))) ?? { v: 1 };
}

// The same lock discipline as status.json (runStore.ts): short, stale after 10 s so a writer killed
// mid-update never wedges a workcell.

/** Locked read-modify-write; `mutate` returns the new record or null to leave it. Returns what is on
 * disk afterwards, or NOT_FOUND when the workcell's run dir is gone. The run dir is never created here:
 * a write racing `workcell gc --remove` used to bring it back holding only recovery.json (a workcell
 * `ls` could not read and gc no longer saw as its own). */
export async function updateRecovery(
  dir: ControlDir,
  name: string,
  mutate: (r: RecoveryRecord) => RecoveryRecord | null,
): Promise<Result<RecoveryRecord>> {
  const runDir = dir.runDir(name);
  const gone = () =>
    err(
      'NOT_FOUND',
      `workcell ${name} is gone (its run dir was removed): its recovery record was not written`,
    );
  if (!(await exists(runDir))) return gone();
  try {
    return ok(
      await withFileLock(runDir, { file: '.recovery.lock' }, async () => {
        const cur = await readRecovery(dir, name);
        const next = mutate(cur);
        if (!next) return cur;
        await writeJsonAtomic(pathOf(dir, name), next);
        return next;
      }),
    );
  } catch (e) {
    // ENOENT from the lock or the write: the run dir is being (or was) removed since the check; it may
    // still be there for a moment, empty, while the removal finishes.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return gone();
    throw e;
  }
}

/** Moves the limit schedule `id` from `from` to `to` only if it is still there: the one way a firing
 * starts (scheduled -> firing), so two firings (a stale timer, a restarted daemon, `recover --now`
 * racing the timer) cannot both act. True for the one caller that moved it. */
export async function claimLimit(
  dir: ControlDir,
  name: string,
  id: string,
  from: ScheduleState,
  to: ScheduleState,
  patch: Partial<LimitSchedule> = {},
): Promise<boolean> {
  let won = false;
  await updateRecovery(dir, name, (r) => {
    if (!r.limit || r.limit.id !== id || r.limit.state !== from) return null;
    won = true;
    return { ...r, limit: { ...r.limit, ...patch, state: to } };
  });
  return won;
}
