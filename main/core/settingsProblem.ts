// "Is settings.json broken, and what should the user do?" for every process, cheaply. A running
// SettingsWatcher records its verdict on the file in state/settings-check.json with the file's stamp; a
// reader whose stat of settings.json matches that stamp trusts it (one stat + one small read, no zod).
// Otherwise the reader validates the file itself: one read + JSON.parse, and zod (loaded only then: its
// import costs ~0.2-0.5 s, more than all of `ls`) only when the JSON parses.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlDir } from './paths.js';
import { readJson, writeJsonAtomic } from './fsutil.js';
import { parseJsonText, readSettingsText, sameStamp, stampOf, type FileStamp } from './settingsJson.js';

export interface SettingsProblem {
  /** The file and what is wrong where: `/h/settings.json: invalid JSON at line 3, column 5: trailing ','
   * before '}': delete it ...` or `/h/settings.json: invalid settings: launchAtLogin: expected boolean`. */
  detail: string;
  /** What to do, and what is in effect until then. */
  fix: string;
  /** `detail; fix`: the one line to show (log, stderr, tray tooltip). */
  message: string;
  /** ISO time: when a watcher saw this breakage first; for a reader without a watcher, the file's mtime. */
  at: string;
}

/** What state/settings-check.json holds: the verdict on one version of settings.json. */
export interface SettingsVerdict {
  stamp: FileStamp;
  problem: SettingsProblem | null;
}

export const SETTINGS_CHECK_FILE = 'settings-check.json';
export const settingsCheckPath = (dir: ControlDir): string => join(dir.state, SETTINGS_CHECK_FILE);

/** What a reader (no watcher of its own) says about what is in effect. */
export const READER_FIX =
  'fix the file and save; a running supervisor picks it up without a restart and keeps its last good settings meanwhile';

export function makeProblem(detail: string, fix: string, at: string): SettingsProblem {
  return { detail, fix, message: `${detail}; ${fix}`, at };
}

export interface SettingsProblemOptions {
  /** false: ignore a watcher's verdict and validate the file (doctor always does). Default true. */
  trustVerdict?: boolean;
  /** Record "this version is valid" in the verdict file, so the next reader skips zod (`ls` without a
   * running supervisor pays the zod import once per edit instead of on every call). A valid verdict is the
   * same whoever writes it, so this second writer cannot contradict the watcher; a broken one is only
   * ever written by the watcher. Default false. */
  cacheValid?: boolean;
  /** Clock for the `at` of an unreadable file (it has no mtime we could read). */
  now?: () => number;
}

/** null when settings.json is absent, empty or valid; otherwise what is wrong and what to do. Never throws
 * for a broken or unreadable file: that is the answer. */
export async function settingsProblem(
  dir: ControlDir,
  o: SettingsProblemOptions = {},
): Promise<SettingsProblem | null> {
  if (o.trustVerdict !== false) {
    let stamp: FileStamp | null = null;
    try {
      stamp = stampOf(statSync(dir.settings));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null; // no settings: defaults, no problem
      // EACCES and the like: the read below reports it
    }
    const verdict = stamp && (await readVerdict(dir));
    if (verdict && sameStamp(verdict.stamp, stamp)) return verdict.problem;
  }
  const read = readSettingsText(dir.settings);
  if (read.kind === 'absent') return null;
  const at = (ms: number) => new Date(ms).toISOString();
  if (read.kind === 'unreadable')
    return makeProblem(
      `${dir.settings}: cannot read settings (${read.code})`,
      `make it a readable file (chmod 600 ${dir.settings})`,
      new Date((o.now ?? Date.now)()).toISOString(),
    );
  const data = parseJsonText(read.text, dir.settings);
  if (!data.ok) return makeProblem(data.error.message, READER_FIX, at(read.stamp.mtimeMs));
  const { parseSettings } = await import('./settings.js');
  const valid = parseSettings(data.value, dir.settings);
  if (!valid.ok) return makeProblem(valid.error.message, READER_FIX, at(read.stamp.mtimeMs));
  if (o.cacheValid)
    await writeVerdict(dir, { stamp: read.stamp, problem: null }).catch(() => {
      // EACCES on state/ or the control dir removed meanwhile: the next reader validates again
    });
  return null;
}

export async function readVerdict(dir: ControlDir): Promise<SettingsVerdict | null> {
  try {
    return await readJson<SettingsVerdict>(settingsCheckPath(dir));
  } catch {
    // EACCES or EISDIR on our own state file: no verdict, the reader validates the file itself
    return null;
  }
}

/** Records (or, with null, removes) the verdict: SettingsWatcher, and readers with cacheValid for a valid
 * file only. Does nothing when the
 * control directory does not exist: the watcher must not create a home nobody asked for. */
export async function writeVerdict(dir: ControlDir, verdict: SettingsVerdict | null): Promise<void> {
  const path = settingsCheckPath(dir);
  if (!verdict) {
    rmSync(path, { force: true });
    return;
  }
  try {
    mkdirSync(dir.state, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // the control dir itself is gone: nothing to record into
    if (code !== 'EEXIST') throw e;
  }
  await writeJsonAtomic(path, verdict);
}
