// gc of loop/pipeline/worktree locks: only those whose owner is dead (ownerLock.ts), never by age.
import { readdirSync, unlinkSync } from 'node:fs';
import type { ControlDir } from '../paths.js';
import { describeOwner, ownerLockPath, staleOwnerLocks, type OwnerRecord } from './ownerLock.js';

export interface RemovedLock {
  lock: string;
  owner: string;
}

export function removeStaleOwnerLocks(dir: ControlDir): RemovedLock[] {
  let names: string[];
  try {
    names = readdirSync(dir.locks);
  } catch {
    // ENOENT: no lock was ever taken in this home
    return [];
  }
  const out: RemovedLock[] = [];
  for (const r of staleOwnerLocks(dir, names) as OwnerRecord[]) {
    try {
      unlinkSync(ownerLockPath(dir, r.kind, r.key));
      out.push({ lock: `${r.kind}.${r.key}`, owner: describeOwner(r) });
    } catch {
      // ENOENT: a taker replaced or removed it meanwhile; nothing of a dead owner left to remove
    }
  }
  return out;
}
