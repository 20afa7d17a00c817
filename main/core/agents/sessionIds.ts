// Where each vendor's session id comes from, best effort. Preferred: choose it up front (claude, gemini
// and copilot accept `--session-id <uuid>`), or read it from our hook events (Claude/Gemini session_id,
// Codex notify thread-id). Last resort: find the vendor's newest session file for the run's cwd on disk.
import { randomUUID } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentName } from '../../common/workcell.js';
import type { HookEvent } from './hookSink.js';

/** A UUID to pass as `--session-id` for the vendors that accept one at launch; undefined otherwise. */
export function newSessionId(agent: AgentName): string | undefined {
  return agent === 'claude' || agent === 'gemini' || agent === 'copilot' ? randomUUID() : undefined;
}

/** The newest session id a hook event carried (Claude/Gemini session_id, Codex thread-id). */
export function sessionIdFromHooks(events: readonly HookEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const id = events[i]!.sessionId;
    if (id) return id;
  }
  return null;
}

export interface FindSessionOptions {
  /** The agent's working directory (the repo). */
  cwd: string;
  /** Only sessions written at or after this moment (the run's start). */
  since: Date;
  /** The agent's HOME (default: ours). */
  home?: string;
}

/** On-disk lookup, for when neither a chosen id nor a hook gave one. Null when not found. */
export async function findSessionId(agent: AgentName, o: FindSessionOptions): Promise<string | null> {
  const home = o.home ?? homedir();
  switch (agent) {
    case 'claude': {
      // ~/.claude/projects/<cwd with every non-alphanumeric character as '-'>/<uuid>.jsonl
      const dir = join(home, '.claude', 'projects', o.cwd.replace(/[^A-Za-z0-9]/g, '-'));
      const f = await newest(dir, (n) => n.endsWith('.jsonl'), o.since);
      return f ? f.replace(/\.jsonl$/, '') : null;
    }
    case 'codex':
      return findCodex(join(home, '.codex', 'sessions'), o);
    case 'copilot': {
      // ~/.copilot/session-state/<id>/events.jsonl
      return newest(join(home, '.copilot', 'session-state'), () => true, o.since);
    }
    default:
      // gemini: chats are keyed by a project hash (pass --session-id instead); opencode keeps sessions
      // in a database; cursor, aider and command have no resumable id we can find.
      return null;
  }
}

async function newest(dir: string, want: (name: string) => boolean, since: Date): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    // ENOENT/ENOTDIR: the vendor never wrote a session for this cwd under this HOME
    return null;
  }
  let best: { name: string; mtime: number } | null = null;
  for (const name of names.filter(want)) {
    const s = await stat(join(dir, name)).catch(() => null); // vanished between readdir and stat
    if (!s || s.mtimeMs < since.getTime()) continue;
    if (!best || s.mtimeMs > best.mtime) best = { name, mtime: s.mtimeMs };
  }
  return best?.name ?? null;
}

// Codex rollouts: ~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl; the first line is a
// session_meta record with payload.id and payload.cwd. Only the days since the run started are read.
async function findCodex(root: string, o: FindSessionOptions): Promise<string | null> {
  const days: string[] = [];
  for (
    let t = new Date(o.since.getTime() - 86_400_000);
    t.getTime() <= Date.now() + 86_400_000;
    t = new Date(t.getTime() + 86_400_000)
  ) {
    const p = (n: number) => String(n).padStart(2, '0');
    days.push(join(root, String(t.getFullYear()), p(t.getMonth() + 1), p(t.getDate())));
  }
  let best: { id: string; mtime: number } | null = null;
  for (const day of days) {
    let names: string[];
    try {
      names = await readdir(day);
    } catch {
      // ENOENT: codex wrote nothing that day
      continue;
    }
    for (const name of names.filter((n) => n.startsWith('rollout-') && n.endsWith('.jsonl'))) {
      const file = join(day, name);
      const s = await stat(file).catch(() => null); // vanished between readdir and stat
      if (!s || s.mtimeMs < o.since.getTime() || (best && s.mtimeMs <= best.mtime)) continue;
      const meta = await firstLine(file);
      if (meta?.cwd === o.cwd && meta.id) best = { id: meta.id, mtime: s.mtimeMs };
    }
  }
  return best?.id ?? null;
}

// The session_meta line carries the base instructions, so it can be tens of KB.
const META_MAX_BYTES = 256 * 1024;

async function firstLine(file: string): Promise<{ id?: string; cwd?: string } | null> {
  const fh = await open(file, 'r').catch(() => null); // vanished: rotated or deleted by codex
  if (!fh) return null;
  try {
    const buf = Buffer.alloc(META_MAX_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const nl = text.indexOf('\n');
    const rec = JSON.parse(nl >= 0 ? text.slice(0, nl) : text) as { payload?: { id?: string; cwd?: string } };
    return rec.payload ?? null;
  } catch {
    // a rollout still being written or not JSON: not the one we want
    return null;
  } finally {
    await fh.close();
  }
}
