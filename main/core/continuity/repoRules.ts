// SUPERVISOR.md: repo-local rules at the repository root (format in docs/continuity.md). Sections,
// each a `## Heading`: Test (the default verify), Forbidden paths (a pass that touched one fails
// verification, naming the files), Rules (copied into every brief), Recovery (auto | suggest | off:
// this repo's default policy), Setup (commands the brief tells the agent to run first). Bad content
// is an error naming the line, never a silent block and never silently ignored.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../fsutil.js';
import { err, ok, type Result } from '../result.js';

export const RULES_FILE = 'SUPERVISOR.md';
/** The rules as parsed at start, kept in the run dir: the agent may edit SUPERVISOR.md, the finisher
 * judges the pass by the rules it was given. */
export const RULES_SNAPSHOT = 'rules.json';

export interface RepoRules {
  test: string | null;
  forbidden: string[];
  rules: string[];
  recovery: 'auto' | 'suggest' | 'off' | null;
  setup: string[];
}

const SECTIONS: Record<string, keyof RepoRules> = {
  test: 'test',
  'test command': 'test',
  'forbidden paths': 'forbidden',
  forbidden: 'forbidden',
  rules: 'rules',
  constraints: 'rules',
  'deployment rules': 'rules',
  recovery: 'recovery',
  'recovery policy': 'recovery',
  setup: 'setup',
  'setup commands': 'setup',
};
const bullet = /^\s*[-*]\s+(.*)$/;
const unquote = (s: string): string =>
  s
    .trim()
    .replace(/^`(.*)`$/, '$1')
    .trim();

/** Parses SUPERVISOR.md. Pure; the error names the line and says what is allowed there. */
export function parseRules(text: string): Result<RepoRules> {
  const out: RepoRules = { test: null, forbidden: [], rules: [], recovery: null, setup: [] };
  const lines = text.split('\n');
  let section: keyof RepoRules | null = null;
  let fence: string[] | null = null;
  const bad = (n: number, why: string) => err('BAD_REPO', `${RULES_FILE} line ${n + 1}: ${why}`);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (fence) {
      if (/^\s*```/.test(line)) {
        if (section === 'test') out.test = fence.join('\n').trim() || null;
        else if (section === 'setup') out.setup.push(...fence.filter((l) => l.trim()));
        fence = null;
      } else fence.push(line);
      continue;
    }
    const h = /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (h) {
      const key = h[1]!.toLowerCase();
      section = SECTIONS[key] ?? null;
      if (!section)
        return bad(i, `unknown section "${h[1]}": use Test, Forbidden paths, Rules, Recovery or Setup`);
      continue;
    }
    if (/^#\s/.test(line) || !line.trim() || /^\s*<!--.*-->\s*$/.test(line)) continue;
    if (!section)
      return bad(i, 'text before the first section: put it under a ## heading (Rules, Test, ...)');
    if (/^\s*```/.test(line)) {
      if (section !== 'test' && section !== 'setup')
        return bad(i, `a code block is allowed under Test or Setup only`);
      fence = [];
      continue;
    }
    const b = bullet.exec(line)?.[1];
    const value = unquote(b ?? line);
    switch (section) {
      case 'test':
        if (out.test) return bad(i, 'Test holds one command (use a ```sh block for several lines)');
        out.test = value;
        break;
      case 'recovery':
        if (value !== 'auto' && value !== 'suggest' && value !== 'off')
          return bad(i, `Recovery is auto, suggest or off, not "${value.slice(0, 40)}"`);
        if (out.recovery) return bad(i, 'Recovery holds one value');
        out.recovery = value;
        break;
      case 'forbidden':
        if (b === undefined) return bad(i, 'Forbidden paths is a list: one "- path/or/glob" per line');
        if (!value || value.startsWith('/') || value.split('/').includes('..'))
          return bad(i, `forbidden path "${value.slice(0, 60)}" must be relative to the repo root`);
        out.forbidden.push(value);
        break;
      case 'rules':
        if (b === undefined && out.rules.length) out.rules[out.rules.length - 1] += ` ${value}`;
        else out.rules.push(value);
        break;
      case 'setup':
        out.setup.push(value);
        break;
    }
  }
  if (fence) return bad(lines.length - 1, 'a ``` block is not closed');
  return ok(out);
}

/** The repo's rules, or null when it has no SUPERVISOR.md. */
export async function loadRules(repo: string): Promise<Result<RepoRules | null>> {
  let text: string;
  try {
    text = await readFile(join(repo, RULES_FILE), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return ok(null);
    return err(
      'BAD_REPO',
      `cannot read ${join(repo, RULES_FILE)} (${code ?? String(e)}): fix its permissions`,
    );
  }
  return parseRules(text);
}

/** The brief section for these rules (empty without any). */
export function rulesForBrief(r: RepoRules | null): string {
  if (!r || (!r.rules.length && !r.forbidden.length && !r.setup.length)) return '';
  const out = [`## Repository rules (from ${RULES_FILE})`];
  for (const x of r.rules) out.push(`- ${x}`);
  if (r.forbidden.length)
    out.push(`- Do not change these paths: ${r.forbidden.join(', ')} (a pass that does fails verification).`);
  if (r.setup.length)
    out.push(
      '- The supervisor ran these setup commands before you started; run them again after you change what they set up:',
      ...r.setup.map((c) => `    ${c}`),
    );
  return `${out.join('\n')}\n`;
}

/** A glob of SUPERVISOR.md: `*` any run within one path segment, `**` any run of segments; a pattern
 * without a `*` matches that path and everything under it. */
export function globMatch(pattern: string, path: string): boolean {
  const p = pattern.replace(/\/+$/, '');
  if (!p.includes('*')) return path === p || path.startsWith(`${p}/`);
  let re = '';
  for (let i = 0; i < p.length;) {
    if (p.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 3;
    } else if (p.startsWith('**', i)) {
      re += '.*';
      i += 2;
    } else {
      re += p[i] === '*' ? '[^/]*' : p[i]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  // A matched directory covers what is under it.
  return new RegExp(`^${re}(?:/.*)?$`).test(path);
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    // not a repository: nothing can be said to have been touched
    execFile('git', args, { cwd, encoding: 'utf8', timeout: 15_000 }, (e, out) => resolve(e ? '' : out));
  });
}

/** Files changed since `base` (committed, staged, unstaged, untracked) that a forbidden pattern
 * matches. */
export async function forbiddenTouched(
  repo: string,
  base: string | null,
  patterns: readonly string[],
): Promise<string[]> {
  if (!patterns.length) return [];
  const changed = new Set<string>();
  if (base)
    for (const f of (await git(repo, ['diff', '--name-only', base])).split('\n')) if (f) changed.add(f);
  for (const l of (await git(repo, ['status', '--porcelain', '-uall'])).split('\n')) {
    const f = l.slice(3).split(' -> ').pop();
    if (f) changed.add(f.replace(/^"(.*)"$/, '$1'));
  }
  return [...changed].filter((f) => patterns.some((p) => globMatch(p, f))).sort();
}

export const saveRulesSnapshot = (runDir: string, r: RepoRules): Promise<void> =>
  writeJsonAtomic(join(runDir, RULES_SNAPSHOT), r);
export const readRulesSnapshot = (runDir: string): Promise<RepoRules | null> =>
  readJson<RepoRules>(join(runDir, RULES_SNAPSHOT)).catch(() => null);
