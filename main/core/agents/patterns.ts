// Pane patterns per vendor, as data (DESIGN.md §6): built-in JSON files beside this module's source,
// merged with `common.json`, and a user override at $WORKCELLS_HOME/patterns/<vendor>.json that needs
// no release. A broken override is reported as a value naming the file and field; built-ins still apply.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentName, SvErrorInfo } from '../../common/workcell.js';

/** Categories a screen can show. `rate_limited` is a quota (usage limit); `throttled` the server
 * limiting requests for a moment (plain 429, "server is busy"); `api_error` a 5xx/overload answer;
 * `network` no answer at all. The last three are reasons on idle/stalled/failed (detect.ts). */
export const PANE_CATEGORIES = [
  'waiting',
  'running',
  'idle',
  'rate_limited',
  'throttled',
  'auth_failed',
  'api_error',
  'network',
] as const;
export type PaneCategory = (typeof PANE_CATEGORIES)[number];
export const TITLE_CATEGORIES = ['waiting', 'running', 'idle'] as const;
export type TitleCategory = (typeof TITLE_CATEGORIES)[number];

export interface VendorPatterns {
  vendor: string;
  /** How many non-blank lines from the bottom of the screen are looked at. */
  bottomLines: number;
  pane: Record<PaneCategory, RegExp[]>;
  title: Record<TitleCategory, RegExp[]>;
}

export interface PatternLoad {
  patterns: VendorPatterns;
  /** Set when the user's override file is unreadable or invalid; `patterns` are then the built-ins. */
  error?: SvErrorInfo;
}

/** The JSON shape, built-in and override alike. Override lists extend the built-in ones unless
 * `"mode": "replace"`, which replaces every list the file names. */
interface PatternFile {
  mode?: 'extend' | 'replace';
  bottomLines?: number;
  title?: Partial<Record<TitleCategory, string[]>>;
  [category: string]: unknown;
}

// Source tree, not dist: tsc copies no JSON, and these files must stay editable data.
const BUILTIN_DIR = fileURLToPath(new URL('../../../../main/core/agents/patterns/', import.meta.url));
// A dialog plus its footer fits in 20 non-blank lines on every vendor we captured (gemini's trust box is 17).
const DEFAULT_BOTTOM_LINES = 20;
// Beyond this a pattern file is not a pattern file; refuse instead of compiling megabytes of regex.
const MAX_OVERRIDE_BYTES = 256 * 1024;

class PatternError extends Error {}

// Every compiled pattern knows where it came from ("common.json: rate_limited[2]", or the user's
// override path), so evidence can name the pattern that decided and `workcell explain` the file.
const ORIGIN = new WeakMap<RegExp, string>();

/** Where a pattern was defined: `<file>: <category>[<index>]`; the file is a bare name for built-ins
 * and the full path for a user override. Undefined for a RegExp not loaded from a pattern file. */
export function patternId(re: RegExp): string | undefined {
  return ORIGIN.get(re);
}

function compile(src: unknown, where: string): RegExp {
  if (typeof src !== 'string' || src.length === 0)
    throw new PatternError(`${where}: expected a non-empty string`);
  try {
    const re = new RegExp(src, 'i');
    ORIGIN.set(re, where);
    return re;
  } catch (e) {
    throw new PatternError(`${where}: invalid regular expression: ${(e as Error).message}`);
  }
}

function compileList(value: unknown, where: string): RegExp[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new PatternError(`${where}: expected an array of regular expression strings`);
  return value.map((v, i) => compile(v, `${where}[${i}]`));
}

function parseFile(text: string, file: string): PatternFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new PatternError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new PatternError(`${file}: expected a JSON object`);
  const d = data as PatternFile;
  const known = new Set<string>(['$comment', 'mode', 'bottomLines', 'title', ...PANE_CATEGORIES]);
  for (const key of Object.keys(d)) {
    if (!known.has(key))
      throw new PatternError(`${file}: unknown field "${key}" (known: ${[...known].join(', ')})`);
  }
  if (d.mode !== undefined && d.mode !== 'extend' && d.mode !== 'replace')
    throw new PatternError(`${file}: mode: expected "extend" or "replace"`);
  if (
    d.bottomLines !== undefined &&
    (!Number.isInteger(d.bottomLines) || d.bottomLines < 1 || d.bottomLines > 500)
  ) {
    throw new PatternError(`${file}: bottomLines: expected an integer from 1 to 500`);
  }
  if (d.title !== undefined && (typeof d.title !== 'object' || d.title === null || Array.isArray(d.title))) {
    throw new PatternError(`${file}: title: expected an object with waiting/running/idle lists`);
  }
  for (const key of Object.keys(d.title ?? {})) {
    if (!(TITLE_CATEGORIES as readonly string[]).includes(key))
      throw new PatternError(
        `${file}: title.${key}: unknown category (known: ${TITLE_CATEGORIES.join(', ')})`,
      );
  }
  return d;
}

function empty(vendor: string): VendorPatterns {
  const pane = Object.fromEntries(PANE_CATEGORIES.map((c) => [c, [] as RegExp[]])) as Record<
    PaneCategory,
    RegExp[]
  >;
  const title = Object.fromEntries(TITLE_CATEGORIES.map((c) => [c, [] as RegExp[]])) as Record<
    TitleCategory,
    RegExp[]
  >;
  return { vendor, bottomLines: DEFAULT_BOTTOM_LINES, pane, title };
}

/** Applies one parsed file onto `base` (a new object; `base` is not changed). Throws PatternError. */
function apply(base: VendorPatterns, d: PatternFile, file: string): VendorPatterns {
  const replace = d.mode === 'replace';
  const out: VendorPatterns = {
    vendor: base.vendor,
    bottomLines: d.bottomLines ?? base.bottomLines,
    pane: { ...base.pane },
    title: { ...base.title },
  };
  for (const c of PANE_CATEGORIES) {
    if (d[c] === undefined) continue;
    const list = compileList(d[c], `${file}: ${c}`);
    // Override patterns go first so a user's more specific line is the one quoted as evidence.
    out.pane[c] = replace ? list : [...list, ...base.pane[c]];
  }
  for (const c of TITLE_CATEGORIES) {
    const src = d.title?.[c];
    if (src === undefined) continue;
    const list = compileList(src, `${file}: title.${c}`);
    out.title[c] = replace ? list : [...list, ...base.title[c]];
  }
  return out;
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    // ENOENT: no file for this vendor (cursor, aider, command have no built-in set; most users have no override)
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

const builtinCache = new Map<string, VendorPatterns>();

/** common.json merged with <vendor>.json from the source tree. A broken built-in file is a bug: it throws. */
export function builtinPatterns(vendor: AgentName | string, dir: string = BUILTIN_DIR): VendorPatterns {
  const key = `${dir}\0${vendor}`;
  const cached = builtinCache.get(key);
  if (cached) return cached;
  let p = empty(vendor);
  for (const name of ['common', vendor]) {
    const file = join(dir, `${name}.json`);
    const text = readIfExists(file);
    // Built-in ids name the file only (`claude.json: waiting[0]`): the install path says nothing.
    if (text !== null) p = apply(p, parseFile(text, file), dir === BUILTIN_DIR ? `${name}.json` : file);
  }
  builtinCache.set(key, p);
  return p;
}

/** Built-ins plus the user's override from `overrideDir` (ControlDir.patterns). Never throws for a
 * user file: an unreadable or invalid override comes back as `error` with the built-ins in `patterns`. */
export function loadPatterns(
  vendor: AgentName | string,
  overrideDir?: string,
  builtinDir: string = BUILTIN_DIR,
): PatternLoad {
  const base = builtinPatterns(vendor, builtinDir);
  if (!overrideDir) return { patterns: base };
  const file = join(overrideDir, `${vendor}.json`);
  let text: string | null;
  try {
    text = readIfExists(file);
  } catch (e) {
    // EACCES/EISDIR and friends on the user's file: report it, keep detecting with the built-ins
    return {
      patterns: base,
      error: { code: 'BAD_SETTINGS', message: `${file}: cannot read: ${(e as Error).message}` },
    };
  }
  if (text === null) return { patterns: base };
  if (text.length > MAX_OVERRIDE_BYTES) {
    return {
      patterns: base,
      error: { code: 'BAD_SETTINGS', message: `${file}: larger than ${MAX_OVERRIDE_BYTES} bytes` },
    };
  }
  try {
    return { patterns: apply(base, parseFile(text, file), file) };
  } catch (e) {
    if (e instanceof PatternError) {
      return {
        patterns: base,
        error: { code: 'BAD_SETTINGS', message: `${e.message}; using the built-in patterns for ${vendor}` },
      };
    }
    throw e;
  }
}
