// Dirty-repo snapshots (issue 11, mode 5): before any automatic action that launches or relaunches an
// agent, the repo's uncommitted work (tracked changes and untracked files, .gitignore respected) is
// stored under a ref of ours, `refs/workcells/<name>/<pass>`. Built through a temporary index
// (GIT_INDEX_FILE), so the user's index, branch, HEAD and stash list are never touched: nothing a user
// could pop or push by mistake, and nothing in the repo is ever lost to recovery.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from '../result.js';

export const SNAPSHOT_REF_ROOT = 'refs/workcells';

export interface Snapshot {
  /** Short form shown to users and accepted by `workcell restore`: `<pass>` or `<pass>-<n>`. */
  id: string;
  ref: string;
  commit: string;
  at: string;
  subject: string;
}

interface GitOut {
  code: number;
  stdout: string;
  stderr: string;
}

function git(repo: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<GitOut> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      { cwd: repo, env, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1048576 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
      },
    );
  });
}

// A fixed identity for the snapshot object: a repo without user.name/email must still be snapshotted,
// and the commit is ours (it never lands on a branch), so it should not claim to be the user's.
const IDENTITY = {
  GIT_AUTHOR_NAME: 'workcell recovery',
  GIT_AUTHOR_EMAIL: 'workcell@localhost',
  GIT_COMMITTER_NAME: 'workcell recovery',
  GIT_COMMITTER_EMAIL: 'workcell@localhost',
};

const refBase = (name: string) => `${SNAPSHOT_REF_ROOT}/${name}`;

/**
 * Snapshots uncommitted work of `repo` for workcell `name`, pass `pass`. Null when the repo is clean or
 * not a git repo (nothing to keep). The ref is `refs/workcells/<name>/<pass>`, or `<pass>-<n>` when that
 * pass was snapshotted already. `name` is a validated workcell name (no ref-special characters).
 */
export async function snapshotRepo(
  repo: string,
  name: string,
  pass: number,
  why: string,
): Promise<Result<Snapshot | null>> {
  const top = await git(repo, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) return ok(null); // not a git repo: nothing of git's to keep
  const root = top.stdout;
  const head = await git(root, ['rev-parse', '--verify', '-q', 'HEAD']);
  const parent = head.code === 0 ? head.stdout : null;
  const tmp = await mkdtemp(join(tmpdir(), 'wc-snap-'));
  const env = { ...process.env, ...IDENTITY, GIT_INDEX_FILE: join(tmp, 'index') };
  try {
    // Start from HEAD's tree so `add -A` only hashes what changed, then add everything git would show
    // as changed or untracked (ignored files stay out, exactly as `git status` leaves them out).
    if (parent) {
      const rt = await git(root, ['read-tree', parent], env);
      if (rt.code !== 0) return err('NOT_WRITABLE', `git read-tree failed in ${root}: ${rt.stderr}`);
    }
    const add = await git(root, ['add', '-A', '--', '.'], env);
    if (add.code !== 0)
      return err('NOT_WRITABLE', `git add (temporary index) failed in ${root}: ${add.stderr}`);
    const tree = await git(root, ['write-tree'], env);
    if (tree.code !== 0) return err('NOT_WRITABLE', `git write-tree failed in ${root}: ${tree.stderr}`);
    if (parent) {
      const headTree = await git(root, ['rev-parse', `${parent}^{tree}`]);
      if (headTree.stdout === tree.stdout) return ok(null); // clean: nothing uncommitted
    }
    const subject = `workcell ${name} pass ${pass}: ${why}`;
    const ct = await git(
      root,
      ['commit-tree', tree.stdout, ...(parent ? ['-p', parent] : []), '-m', subject],
      env,
    );
    if (ct.code !== 0) return err('NOT_WRITABLE', `git commit-tree failed in ${root}: ${ct.stderr}`);
    const taken = new Set((await listSnapshots(root, name)).map((s) => s.id));
    let id = String(pass);
    for (let n = 2; taken.has(id); n++) id = `${pass}-${n}`;
    const ref = `${refBase(name)}/${id}`;
    // The empty old value makes update-ref refuse to overwrite a ref created meanwhile.
    const up = await git(root, ['update-ref', ref, ct.stdout, ''], env);
    if (up.code !== 0) return err('NOT_WRITABLE', `git update-ref ${ref} failed in ${root}: ${up.stderr}`);
    return ok({ id, ref, commit: ct.stdout, at: new Date().toISOString(), subject });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The snapshots of one workcell in `repo`, oldest first. */
export async function listSnapshots(repo: string, name: string): Promise<Snapshot[]> {
  const r = await git(repo, [
    'for-each-ref',
    '--sort=creatordate',
    '--format=%(refname)%09%(objectname)%09%(creatordate:iso-strict)%09%(subject)',
    `${refBase(name)}/`,
  ]);
  if (r.code !== 0 || !r.stdout) return [];
  return r.stdout.split('\n').map((line) => {
    const [ref = '', commit = '', at = '', subject = ''] = line.split('\t');
    return { id: ref.slice(refBase(name).length + 1), ref, commit, at, subject };
  });
}

/**
 * Writes snapshot `id` back into the working tree. The current uncommitted work is snapshotted first
 * (as its own ref), so a restore can itself be undone. HEAD, the branch and the index stay as they are.
 */
export async function restoreSnapshot(
  repo: string,
  name: string,
  id: string,
  pass: number,
): Promise<Result<{ restored: Snapshot; saved: Snapshot | null }>> {
  const snap = (await listSnapshots(repo, name)).find((s) => s.id === id);
  if (!snap)
    return err(
      'NOT_FOUND',
      `no snapshot ${id} of ${name} in ${repo}: list them with \`workcell snapshots ${name}\``,
    );
  const saved = await snapshotRepo(repo, name, pass, `before restoring snapshot ${id}`);
  if (!saved.ok) return saved;
  const top = (await git(repo, ['rev-parse', '--show-toplevel'])).stdout || repo;
  // --worktree only: the user's index is left alone; files the snapshot holds come back byte for byte.
  const r = await git(top, ['restore', `--source=${snap.commit}`, '--worktree', '--', '.']);
  if (r.code !== 0) return err('NOT_WRITABLE', `git restore failed in ${top}: ${r.stderr}`);
  // Files untracked at snapshot time are in the snapshot's tree but not in the index: `restore
  // --worktree` takes its path list from the source tree, so they are written too.
  return ok({ restored: snap, saved: saved.value });
}
