// What an iteration really changed, read from git, never from the agent's word: the working tree is
// snapshotted as a git tree object before and after (through a throwaway index, so the user's index
// and stash are untouched), and the difference between the two trees is the change. This counts
// committed and uncommitted work alike and ignores what an earlier iteration left dirty.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';

export interface GitOut {
  code: number;
  stdout: string;
  stderr: string;
}

export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<GitOut> {
  return new Promise((done) => {
    execFile('git', args, { cwd, env, encoding: 'utf8', timeout: 60_000 }, (e, stdout, stderr) => {
      // A non-zero exit is a value here (not a repo, a merge conflict): callers read the code.
      const code = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
      done({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** The tree object of the working tree as it is now (tracked and untracked, minus ignored), or null
 * when `repo` is not a git work tree. */
export async function snapshotTree(repo: string): Promise<string | null> {
  const indexPath = await git(repo, ['rev-parse', '--path-format=absolute', '--git-path', 'index']);
  if (indexPath.code !== 0) return null;
  const tmp = await mkdtemp(join(tmpdir(), 'wc-snap-'));
  const index = join(tmp, 'index');
  try {
    // Starting from the real index reuses its stat cache: only changed files are hashed again.
    await copyFile(indexPath.stdout, index).catch(() => undefined); // ENOENT: a repo with no index yet
    const env = { ...process.env, GIT_INDEX_FILE: index };
    if ((await git(repo, ['add', '-A', '--', '.'], env)).code !== 0) return null;
    const tree = await git(repo, ['write-tree'], env);
    return tree.code === 0 ? tree.stdout : null;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export const headOf = async (repo: string): Promise<string | null> => {
  const r = await git(repo, ['rev-parse', '--verify', '-q', 'HEAD']);
  return r.code === 0 ? r.stdout : null;
};

export interface Change {
  /** Paths (relative to the repo) that differ between the two snapshots, the PRD excluded. */
  files: string[];
  /** Commits made since the iteration began. */
  commits: number;
  /** The PRD file changed too (a ticked box, a note). */
  prdTouched: boolean;
}

/** The change between two snapshots. `prd` is excluded: ticking a box is not work. */
export async function changeBetween(
  repo: string,
  before: { tree: string | null; head: string | null },
  prd: string,
): Promise<Change> {
  const tree = await snapshotTree(repo);
  const head = await headOf(repo);
  let names: string[] = [];
  if (before.tree && tree) {
    const d = await git(repo, ['diff', '--name-only', '--no-renames', before.tree, tree]);
    names = d.stdout ? d.stdout.split('\n') : [];
  }
  let commits = 0;
  if (head && head !== before.head) {
    const range = before.head ? `${before.head}..${head}` : head;
    const n = await git(repo, ['rev-list', '--count', range]);
    commits = Number(n.stdout) || 0;
  }
  const prdRel = relative(resolve(repo), resolve(repo, prd));
  const prdInRepo = !prdRel.startsWith('..') && !isAbsolute(prdRel);
  const files = names.filter((f) => !(prdInRepo && f === prdRel));
  return { files, commits, prdTouched: files.length !== names.length };
}
