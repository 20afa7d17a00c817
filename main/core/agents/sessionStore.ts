// Where each vendor keeps a session's transcript on disk, so a resume checks before it asks the CLI
// to reopen an id (DESIGN.md §8: "check first, then the right verb"), and how an id that cannot be
// chosen up front is captured (codex, opencode). Paths from the pinned CLIs (claude-code 2.1.197,
// codex 0.169, gemini-cli 0.61, copilot 1.0.102, opencode 1.18.33, each run against the loopback mock
// by the real-CLI tests in continuity/); each honours the vendor's own home override
// (CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_CLI_HOME, COPILOT_HOME, XDG_DATA_HOME) as the CLI does.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentName } from '../../common/workcell.js';
import { exists } from '../fsutil.js';
import { opencodeCapture, opencodeData } from './opencodeStore.js';
import { findTranscript } from './transcripts.js';

/** The environment the agent runs with (its HOME and the vendor overrides). */
export type VendorEnv = Readonly<Record<string, string | undefined>>;

const homeOf = (env: VendorEnv): string => env.HOME ?? '/';
export const claudeConfigDir = (env: VendorEnv): string =>
  env.CLAUDE_CONFIG_DIR || join(homeOf(env), '.claude');
export const codexHome = (env: VendorEnv): string => env.CODEX_HOME || join(homeOf(env), '.codex');
const copilotHome = (env: VendorEnv): string => env.COPILOT_HOME || join(homeOf(env), '.copilot');
// gemini-cli's homedir(): GEMINI_CLI_HOME replaces HOME, and .gemini is appended to either.
const geminiDir = (env: VendorEnv): string => join(env.GEMINI_CLI_HOME || homeOf(env), '.gemini');

/** Claude's project folder name for a cwd: every character but A-Za-z0-9 becomes `-`. */
export function claudeProjectDir(cwd: string): string {
  return cwd.replace(/[^A-Za-z0-9]/g, '-');
}

const UUIDISH = /^[A-Za-z0-9_-]{1,128}$/;

/** The transcript of session `id` where the vendor keeps it, or null when it is not there (deleted,
 * another machine, another config dir, never written). `id` is checked first: it becomes a path. */
export async function vendorTranscript(
  agent: AgentName,
  id: string,
  o: { cwd: string; env: VendorEnv },
): Promise<string | null> {
  if (!UUIDISH.test(id)) return null;
  switch (agent) {
    case 'claude': {
      const root = join(claudeConfigDir(o.env), 'projects');
      const direct = join(root, claudeProjectDir(o.cwd), `${id}.jsonl`);
      if (await exists(direct)) return direct;
      // Long cwds are shortened with a hash by claude: look in every project folder.
      for (const d of await readdir(root).catch(() => [] as string[])) {
        const f = join(root, d, `${id}.jsonl`);
        if (await exists(f)) return f;
      }
      return null;
    }
    case 'codex':
      return findFile(join(codexHome(o.env), 'sessions'), 3, (n) => n.endsWith(`-${id}.jsonl`));
    case 'gemini': {
      // ~/.gemini/tmp/<project>/chats/session-<time>-<first 8 of the id>.jsonl (0.61; .json before),
      // whose first line holds the full id. <project> is a short name kept in ~/.gemini/projects.json.
      const tmp = join(geminiDir(o.env), 'tmp');
      for (const p of await readdir(tmp).catch(() => [] as string[])) {
        const chats = join(tmp, p, 'chats');
        for (const n of await readdir(chats).catch(() => [] as string[]))
          if (n.startsWith('session-') && n.includes(id.slice(0, 8)) && (await fileHolds(join(chats, n), id)))
            return join(chats, n);
      }
      return null;
    }
    case 'copilot': {
      // 1.0.102: session-state/<id>/ with events.jsonl (the conversation) and workspace.yaml (id, cwd);
      // older versions wrote session-state/<id>.jsonl. A folder without events.jsonl has no conversation.
      for (const f of [
        join(copilotHome(o.env), 'session-state', id, 'events.jsonl'),
        join(copilotHome(o.env), 'session-state', `${id}.jsonl`),
      ])
        if (await exists(f)) return f;
      return null;
    }
    case 'opencode': {
      const data = opencodeData(o.env);
      const legacy = await findFile(join(data, 'storage', 'session'), 2, (n) => n === `${id}.json`);
      if (legacy) return legacy;
      // 1.18 keeps sessions in SQLite (WAL mode): the id's bytes in the database or its WAL is the check.
      const db = join(data, 'opencode.db');
      return (await fileHolds(db, id)) || (await fileHolds(`${db}-wal`, id)) ? db : null;
    }
    case 'cursor':
      return findFile(join(homeOf(o.env), '.cursor', 'chats'), 1, (n) => n === id);
    default:
      return null;
  }
}

/** The id of the session this run started, for vendors whose id cannot be chosen: codex's newest
 * rollout for the repo since the start (its file name ends in the id, the `thread_id` of codex exec
 * --json's thread.started), opencode's top-level session created in the repo since the start. `taken`: ids other workcells hold (one workcell per vendor id). */
export async function captureSessionId(
  agent: AgentName,
  o: { cwd: string; since: Date; env: VendorEnv; taken?: ReadonlySet<string> },
): Promise<{ id: string; file: string } | null> {
  if (agent === 'codex') {
    const file = await findTranscript('codex', {
      cwd: o.cwd,
      since: o.since,
      codexHome: codexHome(o.env),
      ...(o.taken ? { skipIds: o.taken } : {}),
    });
    const id = file ? rolloutId(file) : null;
    return file && id ? { id, file } : null;
  }
  if (agent === 'opencode') {
    const got = await opencodeCapture(o);
    return got ? { id: got.id, file: got.file } : null;
  }
  return null;
}

/** rollout-2026-11-30T10-00-00-<uuid>.jsonl -> <uuid>. */
export function rolloutId(file: string): string | null {
  return /-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(file)?.[1] ?? null;
}

/** Size of a transcript (a directory counts its files' sizes): a resume that worked adds to it. */
export async function transcriptSize(path: string): Promise<number> {
  const s = await stat(path).catch(() => null);
  if (!s) return -1;
  // SQLite in WAL mode (opencode.db): new rows land in the -wal file first.
  if (path.endsWith('.db')) return s.size + ((await stat(`${path}-wal`).catch(() => null))?.size ?? 0);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const f of await listFiles(path, 1)) total += (await stat(f).catch(() => null))?.size ?? 0;
  return total;
}

async function listFiles(root: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    const p = join(root, e.name);
    if (e.isDirectory() && depth > 0) out.push(...(await listFiles(p, depth - 1)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function findFile(
  root: string,
  depth: number,
  match: (name: string) => boolean,
): Promise<string | null> {
  for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    const p = join(root, e.name);
    if (match(e.name)) return p;
    if (e.isDirectory() && depth > 0) {
      const hit = await findFile(p, depth - 1, match);
      if (hit) return hit;
    }
  }
  return null;
}

// A SQLite database or a chat file is read in windows; an id never spans more than its own length.
const WINDOW = 1 << 20;
async function fileHolds(file: string, needle: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(WINDOW + needle.length);
    for (let pos = 0; ; pos += WINDOW) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead <= 0) return false;
      if (buf.subarray(0, bytesRead).includes(needle)) return true;
      if (bytesRead < buf.length) return false;
    }
  } finally {
    await fh.close();
  }
}
