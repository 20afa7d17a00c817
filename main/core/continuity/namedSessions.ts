// Named multi-agent sessions: `workcell start ... --session NAME` records each workcell in
// $WORKCELLS_HOME/sessions/NAME.json (agent, workcell, vendor session id at spawn, spawned at, the
// command), so `workcell resume --session NAME` brings every member back in one command. The member's
// CURRENT vendor id lives in its status.json (it follows switches); this file says who belongs.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NAME_PATTERN } from '../../common/workcell.js';
import { readJson, writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';
import { withFileLock } from '../fileLock.js';
import { err, ok, type Result } from '../result.js';

export interface SessionMember {
  workcell: string;
  agent: string;
  vendorSessionId: string | null;
  spawnedAt: string;
  argv: string[];
}
export interface NamedSession {
  name: string;
  createdAt: string;
  members: SessionMember[];
}

export function validateSessionName(name: string): Result<string> {
  return NAME_PATTERN.test(name)
    ? ok(name)
    : err(
        'BAD_NAME',
        `invalid session name ${JSON.stringify(name)}: use 1-48 characters a-z 0-9 _ -, starting with a letter or digit`,
      );
}

const fileOf = (dir: ControlDir, name: string) => join(dir.sessions, `${name}.json`);

// Several `start --session X` at once add members to one file: a short lock around the read-modify-write.
/** Adds (or replaces, by workcell name) one member. */
export async function addMember(dir: ControlDir, name: string, m: SessionMember): Promise<void> {
  const path = fileOf(dir, name);
  await withFileLock(dir.sessions, { file: `.${name}.lock` }, async () => {
    const cur = (await readJson<NamedSession>(path).catch(() => null)) ?? {
      name,
      createdAt: m.spawnedAt,
      members: [],
    };
    cur.members = [...cur.members.filter((x) => x.workcell !== m.workcell), m];
    await writeJsonAtomic(path, cur);
  });
}

export async function readSession(dir: ControlDir, name: string): Promise<Result<NamedSession>> {
  const v = validateSessionName(name);
  if (!v.ok) return v;
  const s = await readJson<NamedSession>(fileOf(dir, name)).catch(() => null);
  return s ? ok(s) : err('NOT_FOUND', `no session named ${name}: see \`workcell session ls\``);
}

export async function listSessions(dir: ControlDir): Promise<NamedSession[]> {
  const names = (await readdir(dir.sessions).catch(() => [] as string[])) // no sessions folder yet
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .sort();
  const out: NamedSession[] = [];
  for (const n of names) {
    const s = await readSession(dir, n);
    if (s.ok) out.push(s.value);
  }
  return out;
}
