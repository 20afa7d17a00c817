import { execFile } from 'node:child_process';
import type { GitSummary } from '../common/workcell.js';

function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', timeout: 15_000 }, (error, stdout) => {
      // Not a repository, no commits yet, or git missing: the git fields stay empty (allowed).
      resolve(error ? null : stdout.trim());
    });
  });
}

export async function gitHead(repo: string): Promise<string | null> {
  return git(repo, ['rev-parse', '--verify', '-q', 'HEAD']);
}

export async function isGitRepo(repo: string): Promise<boolean> {
  return (await git(repo, ['rev-parse', '--is-inside-work-tree'])) === 'true';
}

/** Head at start and end, commits since start, dirty or clean, diff stat against the start. */
export async function gitSummary(repo: string, headAtStart: string | null): Promise<GitSummary> {
  if (!(await isGitRepo(repo)))
    return { headAtStart, headAtEnd: null, commits: null, dirty: null, diffStat: null };
  const headAtEnd = await gitHead(repo);
  const porcelain = await git(repo, ['status', '--porcelain']);
  let commits: number | null = null;
  let diffStat: string | null = null;
  if (headAtStart && headAtEnd) {
    const n = await git(repo, ['rev-list', '--count', `${headAtStart}..${headAtEnd}`]);
    commits = n === null ? null : Number(n);
    // Committed and uncommitted changes since the start, as one stat.
    diffStat = await git(repo, ['diff', '--stat', headAtStart]);
  } else if (headAtEnd) {
    const n = await git(repo, ['rev-list', '--count', headAtEnd]);
    commits = n === null ? null : Number(n);
    diffStat = await git(repo, ['diff', '--stat', 'HEAD']);
  }
  return {
    headAtStart,
    headAtEnd,
    commits,
    dirty: porcelain === null ? null : porcelain.length > 0,
    diffStat: diffStat || null,
  };
}
