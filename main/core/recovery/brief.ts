// Partial completion (issue 11, mode 3): an agent that exits 0 (or ends a turn) while verify.sh still
// fails, or while the brief's checklist has open items, is resumed with a brief rewritten for what is
// left: the objective, what the commits and diff show was done, what verify says still fails, the open
// items. The brief it replaces is kept beside history/<pass>/ so nothing of the user's text is lost.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkcellStatus } from '../../common/workcell.js';
import { exists, writeTextAtomic } from '../fsutil.js';
import { RUN_FILES, type ControlDir } from '../paths.js';
import { objectiveOf } from './plan.js';

const REWRITE_MARK = '# Remaining scope (written by workcell recovery';
const ORIGINAL_HEADING = '## Original brief';
const OPEN_ITEM = /^\s*[-*]\s+\[ \]\s+(.+)$/;

export function openItems(brief: string): string[] {
  return brief
    .split('\n')
    .map((l) => OPEN_ITEM.exec(l)?.[1]?.trim())
    .filter((x): x is string => !!x);
}

function gitLog(repo: string, from: string | null): Promise<string> {
  return new Promise((resolve) => {
    const range = from ? [`${from}..HEAD`] : ['-n', '20'];
    execFile(
      'git',
      ['log', '--oneline', ...range],
      { cwd: repo, encoding: 'utf8', timeout: 15_000 },
      (e, out) =>
        // not a repo / no commits: the section says "none recorded"
        resolve(e ? '' : out.trim()),
    );
  });
}

/** Why this pass is partial, or null when it is not (verify passed and no open items). */
export function partialReason(s: WorkcellStatus, brief: string): string | null {
  const failing = s.verify.ran && s.verify.exitCode !== null && s.verify.exitCode !== 0;
  const open = openItems(brief);
  if (failing)
    return `verify.sh failed (exit ${s.verify.exitCode})${open.length ? ` and ${open.length} checklist item(s) are open` : ''}`;
  if (open.length) return `${open.length} checklist item(s) of the brief are still open`;
  return null;
}

/** The brief for the remaining scope. Pure: the callers read the inputs. */
export function remainingBrief(o: {
  objective: string | null;
  pass: number;
  commits: string;
  diffStat: string | null;
  verifyTail: string | null;
  verifyExit: number | null;
  open: string[];
  original: string;
}): string {
  const out: string[] = [
    '# Objective',
    o.objective ?? '(see the original brief below)',
    '',
    `${REWRITE_MARK} for pass ${o.pass + 1})`,
    `Pass ${o.pass} ended, but the work is not finished. Continue from where it stopped; do not redo what is done.`,
    '',
    '## Done so far',
    o.commits
      ? o.commits
          .split('\n')
          .map((l) => `- commit ${l}`)
          .join('\n')
      : '- no commits recorded',
    o.diffStat ? `\nDiff since the start:\n\n\`\`\`\n${o.diffStat}\n\`\`\`` : '',
    '',
  ];
  if (o.verifyExit !== null && o.verifyExit !== 0)
    out.push(
      `## Still failing: verify.sh (exit ${o.verifyExit})`,
      '```',
      (o.verifyTail ?? '(no output)').trim(),
      '```',
      '',
    );
  if (o.open.length) out.push('## Open checklist items', ...o.open.map((i) => `- [ ] ${i}`), '');
  out.push(ORIGINAL_HEADING, '', o.original.replace(/^#/gm, '##'));
  return out.join('\n');
}

/** Rewrites brief.md for the remaining scope; the previous brief is kept as
 * history/<pass>/brief.before-rewrite.md. Returns the reason it was partial, or null (nothing done). */
export async function rewriteBrief(dir: ControlDir, s: WorkcellStatus): Promise<string | null> {
  const runDir = dir.runDir(s.name);
  const path = join(runDir, RUN_FILES.brief);
  const current = (await exists(path)) ? await readFile(path, 'utf8') : '';
  const why = partialReason(s, current);
  if (!why) return null;
  const verifyLog = join(runDir, RUN_FILES.verifyLog);
  const tail =
    s.verify.outputTail ??
    ((await exists(verifyLog)) ? (await readFile(verifyLog, 'utf8')).slice(-4000) : null);
  // A brief we rewrote before carries the user's under "## Original brief": keep one copy of it, not a
  // rewrite nested in a rewrite per pass.
  const cut = current.indexOf(`\n${ORIGINAL_HEADING}\n`);
  const original =
    current.includes(REWRITE_MARK) && cut >= 0
      ? current.slice(cut + ORIGINAL_HEADING.length + 3).replace(/^##/gm, '#')
      : current;
  const keep = join(runDir, RUN_FILES.history, String(s.pass));
  await mkdir(keep, { recursive: true, mode: 0o700 });
  if (await exists(path)) await copyFile(path, join(keep, 'brief.before-rewrite.md'));
  const text = remainingBrief({
    objective: objectiveOf(original),
    pass: s.pass,
    commits: await gitLog(s.repo, s.git.headAtStart),
    diffStat: s.git.diffStat,
    verifyTail: tail,
    verifyExit: s.verify.exitCode,
    open: openItems(current),
    original,
  });
  await writeTextAtomic(path, text);
  return why;
}
