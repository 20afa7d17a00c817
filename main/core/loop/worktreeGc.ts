// gc of the worktrees workcells and parallel loops made under $WORKCELLS_HOME/worktrees/: only a
// worktree on a `workcell/...` branch that is merged into its repo's current branch, that no live
// workcell works in and no live runner holds. Removal goes through git's own safe paths (`worktree
// remove` without --force refuses a dirty tree; `branch -d` refuses an unmerged branch), so work git
// does not have elsewhere is never deleted.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import { git } from './evidence.js';
import { ownerAlive, readOwner, worktreeKey } from './ownerLock.js';
import { liveWorkcellsOn } from './worktree.js';

export interface WorktreeVerdict {
  path: string;
  branch: string | null;
  repo: string | null;
  /** removable: merged, unused; removed: done (with --remove); kept: why not. */
  action: 'removable' | 'removed' | 'kept';
  why: string;
}

/** The worktree directories: worktrees/_start/NAME and worktrees/LOOP/ITEM. */
function candidates(root: string): string[] {
  const base = join(root, 'worktrees');
  const out: string[] = [];
  const dirs = (p: string) => {
    try {
      return readdirSync(p).filter((n) => statSync(join(p, n)).isDirectory());
    } catch {
      // ENOENT: no worktree was ever made in this home
      return [];
    }
  };
  for (const group of dirs(base)) for (const w of dirs(join(base, group))) out.push(join(base, group, w));
  return out;
}

export async function gcWorktrees(engine: Engine, remove: boolean): Promise<WorktreeVerdict[]> {
  const out: WorktreeVerdict[] = [];
  for (const path of candidates(engine.dir.root)) out.push(await judge(engine, path, remove));
  return out;
}

async function judge(engine: Engine, path: string, remove: boolean): Promise<WorktreeVerdict> {
  const v: WorktreeVerdict = { path, branch: null, repo: null, action: 'kept', why: '' };
  const head = await git(path, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (head.code !== 0) return { ...v, why: 'not a git worktree on a branch' };
  v.branch = head.stdout;
  if (!v.branch.startsWith('workcell/'))
    return { ...v, why: `its branch ${v.branch} is not a workcell/ branch` };
  // The main worktree is the first one git lists: that is the repo and branch the work merges into.
  const list = await git(path, ['worktree', 'list', '--porcelain']);
  v.repo = /^worktree (.*)$/m.exec(list.stdout)?.[1] ?? null;
  if (!v.repo || v.repo === path) return { ...v, why: 'its main repository cannot be found' };
  const target = await git(v.repo, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (target.code !== 0) return { ...v, why: `${v.repo} is not on a branch` };
  const merged = await git(v.repo, ['merge-base', '--is-ancestor', v.branch, target.stdout]);
  if (merged.code !== 0) return { ...v, why: `${v.branch} is not merged into ${target.stdout}` };
  const live = await liveWorkcellsOn(engine, path);
  if (live.length) return { ...v, why: `workcell ${live.join(', ')} is live in it` };
  const owner = readOwner(engine.dir, 'worktree', worktreeKey(path));
  if (owner && ownerAlive(owner)) return { ...v, why: `a live runner holds it (pid ${owner.pid})` };
  if (!remove) return { ...v, action: 'removable', why: `${v.branch} is merged into ${target.stdout}` };
  const rm = await git(v.repo, ['worktree', 'remove', path]);
  if (rm.code !== 0) return { ...v, why: `git refused to remove it: ${rm.stderr.split('\n')[0] ?? ''}` };
  const del = await git(v.repo, ['branch', '-d', v.branch]);
  const note = del.code === 0 ? '' : ` (branch kept: ${del.stderr.split('\n')[0] ?? ''})`;
  return { ...v, action: 'removed', why: `${v.branch} was merged into ${target.stdout}${note}` };
}
