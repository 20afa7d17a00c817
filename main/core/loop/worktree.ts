// Worktrees for single workcells (`workcell start --worktree`) and the "another agent is changing this
// repo" check: two agents in one work tree overwrite each other's changes without a word (peers'
// orchestrators silently shared one), so a second start on a live workcell's repo warns.
import { realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isEnded } from '../../common/workcell.js';
import type { Engine } from '../engine.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { git } from './evidence.js';

/** A new worktree and branch `workcell/NAME` from the repo's HEAD, under $WORKCELLS_HOME/worktrees/_start/. */
export async function makeWorktree(
  dir: ControlDir,
  repo: string,
  name: string,
): Promise<Result<{ path: string; branch: string }>> {
  const branch = `workcell/${name}`;
  const path = join(dir.root, 'worktrees', '_start', name);
  await mkdir(join(dir.root, 'worktrees', '_start'), { recursive: true, mode: 0o700 });
  const r = await git(resolve(repo), ['worktree', 'add', '-q', '-b', branch, path, 'HEAD']);
  if (r.code !== 0)
    return err(
      'BAD_REPO',
      `cannot make a worktree of ${resolve(repo)} for ${name}: ${r.stderr.split('\n')[0] ?? ''}`,
    );
  return ok({ path, branch });
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    // gone: compare the path as given
    return resolve(p);
  }
};

/** Live workcells (not ended) whose repo is this one. */
export async function liveWorkcellsOn(engine: Engine, repo: string): Promise<string[]> {
  const all = await engine.list();
  if (!all.ok) return [];
  const target = real(repo);
  return all.value.filter((w) => !isEnded(w.state) && real(w.repo) === target).map((w) => w.name);
}
