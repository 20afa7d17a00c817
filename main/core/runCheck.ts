// One bad run dir must not blind the fleet (issue 8, B1): the records a state is derived from
// (status.json, exit.json, killed.json) are checked before anyone relies on them, and a run dir whose
// records cannot be read becomes a `broken` listing entry with the reason and what to do, instead of
// an exception that took `ls` and every reconcile of the supervisor down with it.
import { readFileSync } from 'node:fs';
import { AGENTS, STATES, type ListingProblem, type WorkcellStatus } from '../common/workcell.js';
import type { ExitRecord, KilledRecord } from './runStore.js';

/** A record that exists but cannot be used: `file` is the run file, `reason` says why. */
export class BrokenRunError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file} ${reason}`);
  }
}

/** The errno of a failed read, as words a user can act on. */
export function unreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'is a symlink loop';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'ENOTDIR':
      return 'has a file where a directory should be';
    case 'EIO':
      return 'cannot be read (I/O error: is the disk failing?)';
    default:
      // Not an errno (a bug in a check below): still one workcell's problem, never the fleet's.
      return code ? `cannot be read (${code})` : `cannot be read (${(e as Error).message})`;
  }
}

/** Reads a small JSON record: null when absent, BrokenRunError when it exists but cannot be read.
 * `tornIsAbsent`: a record written without a rename can be read half-written; those read as absent
 * (the caller looks again), like fsutil.readJson does. */
export function readRecord(path: string, file: string, tornIsAbsent: boolean): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    // ENOENT: not written yet (no exit, no kill), which is normal
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new BrokenRunError(file, unreadable(e));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (tornIsAbsent) return null;
    throw new BrokenRunError(file, 'is not valid JSON');
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => typeof v === 'string';
const strOrNull = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const numOrNull = (v: unknown) => v === undefined || v === null || typeof v === 'number';

/** status.json as every reader uses it, or BrokenRunError naming the first field that is wrong. Only
 * what a listing and deriveState rely on is checked; nullable fields an older version did not write
 * read as null. */
export function checkStatus(raw: unknown): WorkcellStatus {
  const file = 'status.json';
  if (!isObj(raw)) throw new BrokenRunError(file, 'is not a JSON object');
  const bad = (field: string) =>
    new BrokenRunError(file, `is not a workcell status: "${field}" is missing or invalid`);
  if (!str(raw.name)) throw bad('name');
  if (!str(raw.repo)) throw bad('repo');
  if (!(AGENTS as readonly unknown[]).includes(raw.agent)) throw bad('agent');
  if (!(STATES as readonly unknown[]).includes(raw.state)) throw bad('state');
  if (typeof raw.pass !== 'number' || !Number.isInteger(raw.pass)) throw bad('pass');
  if (!str(raw.startedAt) || Number.isNaN(Date.parse(raw.startedAt as string))) throw bad('startedAt');
  if (!isObj(raw.verify) || typeof raw.verify.ran !== 'boolean') throw bad('verify');
  for (const f of ['endedAt', 'signal', 'reason', 'resetAt'] as const) if (!strOrNull(raw[f])) throw bad(f);
  if (!numOrNull(raw.exitCode)) throw bad('exitCode');
  if (raw.evidence !== undefined && raw.evidence !== null && !isObj(raw.evidence)) throw bad('evidence');
  return {
    ...(raw as unknown as WorkcellStatus),
    endedAt: (raw.endedAt as string | undefined) ?? null,
    exitCode: (raw.exitCode as number | undefined) ?? null,
    signal: (raw.signal as string | undefined) ?? null,
    reason: (raw.reason as string | undefined) ?? null,
    resetAt: (raw.resetAt as string | undefined) ?? null,
    evidence: (raw.evidence as WorkcellStatus['evidence'] | undefined) ?? null,
  };
}

/** exit.json: the wrapper writes `{"exitCode":N,"source":"wrapper"}` and the file's mtime is when
 * (home.ts); an older wrapper also wrote `"endedAt"`, which is used where present. */
export function checkExit(raw: unknown, mtime: () => Date | null): ExitRecord | null {
  if (raw === null) return null;
  if (!isObj(raw) || typeof raw.exitCode !== 'number' || !(raw.endedAt === undefined || str(raw.endedAt)))
    throw new BrokenRunError('exit.json', 'is not an exit record (no numeric "exitCode")');
  const endedAt = (raw.endedAt as string | undefined) ?? mtime()?.toISOString();
  // Removed between the read and the stat (gc): as if never written.
  if (endedAt === undefined) return null;
  return { exitCode: raw.exitCode, endedAt, source: str(raw.source) ? (raw.source as string) : 'wrapper' };
}

/** killed.json: `{"at": "...", "by": "..."}`. */
export function checkKilled(raw: unknown): KilledRecord | null {
  if (raw === null) return null;
  if (!isObj(raw) || !str(raw.at)) throw new BrokenRunError('killed.json', 'is not a kill record (no "at")');
  return { at: raw.at as string, by: str(raw.by) ? (raw.by as string) : 'unknown' };
}

/** The listing entry for a run dir that cannot be read. Nothing is removed for the user: the run dir
 * may hold the only record of what an agent did. */
export function brokenRun(
  name: string,
  runDir: string,
  reason: string,
  sessionLive: boolean,
): ListingProblem {
  return {
    name,
    state: 'broken',
    reason,
    fix:
      `look at ${runDir}: restore or remove the bad file, or remove the run dir (rm -r ${runDir})` +
      (sessionLive ? '; its tmux session still runs, unsupervised until the run dir can be read' : ''),
    runDir,
  };
}

/** The listing entry for a session of ours whose run dir is gone (deleted under a running workcell). */
export function ghostSession(name: string, runDir: string): ListingProblem {
  return {
    name,
    state: 'ghost',
    reason: `tmux session ${name} runs but its run dir ${runDir} is gone`,
    fix: `workcell gc closes the session (and frees the name ${name})`,
    runDir,
  };
}
