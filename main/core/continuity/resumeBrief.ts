// The brief of a resume from artifacts: when the vendor's conversation cannot be reopened, the next
// pass starts from the recent state (checkpoint, handoff.md, the diff and commits since the start),
// never from the beginning, and is told plainly that it is a continuation and why.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkcellStatus } from '../../common/workcell.js';
import { RUN_FILES } from '../paths.js';
import { AGENT_STATE_FILE, readCheckpoint } from './checkpoint.js';

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', timeout: 15_000, maxBuffer: 4 << 20 }, (e, out) =>
      // not a repository, or the start commit is gone: that part of the brief says "(none)"
      resolve(e ? '' : out.trim()),
    );
  });
}

// A diff past this is summarised by its stat only: the agent can run git diff itself.
const DIFF_MAX_CHARS = 20_000;
const block = (s: string): string =>
  s
    ? s
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')
    : '    (none)';

export async function resumeBrief(runDir: string, s: WorkcellStatus, why: string): Promise<string> {
  const brief = await readFile(join(runDir, RUN_FILES.brief), 'utf8').catch(() => '');
  const handoff = await readFile(join(runDir, RUN_FILES.handoff), 'utf8').catch(() => '');
  const cp = await readCheckpoint(runDir);
  const base = s.git.headAtStart;
  const log = base ? await git(s.repo, ['log', '--oneline', `${base}..HEAD`]) : '';
  const stat = await git(s.repo, ['diff', '--stat', ...(base ? [base] : ['HEAD'])]);
  const diff = await git(s.repo, ['diff', ...(base ? [base] : ['HEAD'])]);
  const parts = [
    `# Continue workcell ${s.name} (pass ${s.pass + 1})`,
    '',
    `This is a continuation, not a new task. The previous pass (${s.agent}, pass ${s.pass}, ended ${s.state}) cannot be reopened as a conversation: ${why}. Work already done is in the repository; do not start over. Read what follows, check the current state of the files, then finish what is left.`,
    '',
    '## The original brief',
    brief.trim() || '(brief.md is missing)',
    '',
    '## Where the last pass was',
    cp
      ? [
          `Checkpoint of ${cp.at} (${cp.why}): state ${cp.state}.`,
          `Files in progress: ${[...cp.files.status, ...cp.files.recent].slice(0, 30).join(', ') || '(none)'}`,
          `Last commands:\n${block(cp.lastCommands.map((c) => c.command).join('\n'))}`,
          `Next steps it recorded:\n${cp.nextSteps.map((n) => `- ${n}`).join('\n') || '(none)'}`,
        ].join('\n')
      : '(no checkpoint was written)',
    '',
    '## Its handoff note',
    handoff.trim() || '(none)',
    '',
    '## Commits since the start',
    block(log),
    '',
    '## Changes since the start (committed and not)',
    block(stat),
    ...(diff && diff.length <= DIFF_MAX_CHARS ? ['', '```diff', diff, '```'] : []),
    '',
    `Keep ${AGENT_STATE_FILE} in the repository up to date after each step (current task, files in progress, next steps).`,
    '',
  ];
  return parts.join('\n');
}
