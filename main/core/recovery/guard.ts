// Guardrails (issue 11): recovery must never make things worse. A policy per workcell (auto | suggest |
// off), budgets on automatic restarts (per workcell and across the home), a circuit breaker on passes
// that make no progress or fail the same way, and a per-vendor auth breaker. Pure checks over records
// the callers persist (record.ts for the workcell, `state/recovery.json` for the home).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Settings } from '../../common/settings.js';
import type { AgentName, WorkcellStatus } from '../../common/workcell.js';
import { readJson, writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';
import type { RecoveryPolicy, RecoveryRecord } from './record.js';

export interface RecoverySettings {
  /** Default policy for workcells started without `--recover` (default suggest). */
  policy: RecoveryPolicy;
  /** Automatic restarts per workcell per 5 minutes. */
  restartsPer5Min: number;
  /** Automatic restarts across the home per minute. */
  homePerMinute: number;
  /** Upper bound of the random delay after a reset. */
  jitterSeconds: number;
  /** Gap between the canary and the next workcell of the same vendor. */
  staggerSeconds: number;
}

export const RECOVERY_DEFAULTS: RecoverySettings = {
  // suggest: recovery proposes, the user clicks. Acting on its own is a choice (`--recover auto`).
  policy: 'suggest',
  // 3 per 5 min per workcell and 1 per minute per home: a crash loop costs a few passes, not a night.
  restartsPer5Min: 3,
  homePerMinute: 1,
  jitterSeconds: 30,
  staggerSeconds: 20,
};

/** settings.json `recovery` over the defaults (absent in older files). */
export function recoverySettings(s: Settings | null | undefined): RecoverySettings {
  const r = s?.recovery ?? {};
  const set = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
  return { ...RECOVERY_DEFAULTS, ...set };
}

export function policyOf(rec: RecoveryRecord, s: RecoverySettings): RecoveryPolicy {
  return rec.policy ?? s.policy;
}

// Breaker thresholds: 3 passes that change nothing, or 5 that end with the same error.
export const BREAKER = { noProgressPasses: 3, sameErrorPasses: 5 } as const;

/** What counts as progress between passes: a new head, a different diff, a different verify failure. */
export function progressKeyOf(s: WorkcellStatus): string {
  const h = createHash('sha256');
  h.update(`${s.git.headAtEnd ?? s.git.headAtStart ?? ''}\0${s.git.diffStat ?? ''}\0`);
  h.update(`${s.verify.exitCode ?? ''}\0${s.verify.outputTail ?? ''}`);
  return h.digest('hex').slice(0, 16);
}

export function errorKeyOf(s: WorkcellStatus): string | null {
  if (s.state === 'done' && (s.verify.exitCode ?? 0) === 0) return null;
  return `${s.state}:${s.reason ?? ''}:${s.exitCode ?? ''}:${s.signal ?? ''}`;
}

/** Open (with why) when the last passes made no progress or kept failing the same way. */
export function breakerOpen(passes: RecoveryRecord['passes']): string | null {
  const p = passes ?? [];
  const lastN = (n: number) => (p.length >= n ? p.slice(-n) : null);
  const np = lastN(BREAKER.noProgressPasses);
  if (np && np.every((x) => x.key === np[0]!.key))
    return `circuit breaker: ${BREAKER.noProgressPasses} passes with no progress (no new commit, no diff change, same verify result)`;
  const se = lastN(BREAKER.sameErrorPasses);
  if (se && se[0]!.error && se.every((x) => x.error === se[0]!.error))
    return `circuit breaker: ${BREAKER.sameErrorPasses} passes ended with the same error (${se[0]!.error})`;
  return null;
}

/** The home-wide part: the last automatic restarts and the per-vendor auth holds. */
export interface HomeRecovery {
  restarts: number[];
  /** vendor -> the workcell whose login failed, when, and whether the user was told. */
  authHold: Partial<Record<AgentName, { name: string; pass: number; since: string; told: boolean }>>;
}

const homePath = (dir: ControlDir) => join(dir.state, 'recovery.json');

export async function readHome(dir: ControlDir): Promise<HomeRecovery> {
  const h = await readJson<HomeRecovery>(homePath(dir));
  return { restarts: h?.restarts ?? [], authHold: h?.authHold ?? {} };
}
/** Only the daemon writes this file (one writer); the CLI reads it. */
export async function writeHome(dir: ControlDir, h: HomeRecovery): Promise<void> {
  await writeJsonAtomic(homePath(dir), h);
}

/** Whether one more automatic restart fits the budgets; the reason when not. */
export function budgetAllows(
  rec: RecoveryRecord,
  home: HomeRecovery,
  now: number,
  s: RecoverySettings,
): string | null {
  const mine = (rec.restarts ?? []).filter((t) => now - t < 5 * 60_000);
  if (mine.length >= s.restartsPer5Min)
    return `budget: ${mine.length} automatic restarts of this workcell in the last 5 minutes (at most ${s.restartsPer5Min})`;
  const all = home.restarts.filter((t) => now - t < 60_000);
  if (all.length >= s.homePerMinute)
    return `budget: ${all.length} automatic restart(s) in this home in the last minute (at most ${s.homePerMinute})`;
  return null;
}

/** When the budgets next allow one more automatic restart (now when they already do): a workcell held
 * back by them is looked at again then, not left waiting for the user (a killed tmux server ends every
 * workcell at once, and the home budget lets one restart through per minute). */
export function budgetFreeAt(
  rec: RecoveryRecord,
  home: HomeRecovery,
  now: number,
  s: RecoverySettings,
): number {
  const mine = (rec.restarts ?? []).filter((t) => now - t < 5 * 60_000).sort((a, b) => a - b);
  const all = home.restarts.filter((t) => now - t < 60_000).sort((a, b) => a - b);
  let at = now;
  if (mine.length >= s.restartsPer5Min)
    at = Math.max(at, mine[mine.length - s.restartsPer5Min]! + 5 * 60_000);
  if (all.length >= s.homePerMinute) at = Math.max(at, all[all.length - s.homePerMinute]! + 60_000);
  return at;
}
