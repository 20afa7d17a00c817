// Vendor transcripts: the second source of truth after hooks (DESIGN.md §6). Codex writes every
// event of a session to ~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl; its `notify` hook
// only says "turn complete", while the rollout also says when it asks for approval, errors, and how
// close the account is to its usage limit (with the reset time). Events are mapped onto the hook
// vocabulary detect() already trusts, marked `source: 'transcript'`.
import { open, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentName } from '../../common/workcell.js';
import type { HookEvent } from './hookSink.js';
import { tailLines } from '../fsutil.js';

// One look never reads more than this; a rollout line (the session_meta carries the instructions)
// can be tens of KB, and a line longer than the window is skipped rather than stalling the tail.
const MAX_READ_BYTES = 512 * 1024;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
const short = (v: unknown, max = 160): string | undefined =>
  typeof v === 'string' && v ? (v.length > max ? `${v.slice(0, max - 1)}…` : v) : undefined;

/** One rollout line -> the event it means, or null. Pure, table-tested. */
export function codexEvent(line: string): HookEvent | null {
  let rec: Json | null;
  try {
    rec = obj(JSON.parse(line));
  } catch {
    // a torn line: skip it
    return null;
  }
  if (!rec || rec.type !== 'event_msg') return null;
  const p = obj(rec.payload);
  if (!p) return null;
  const at = typeof rec.timestamp === 'string' ? rec.timestamp : new Date().toISOString();
  const base = { at, vendor: 'codex', source: 'transcript' as const };
  switch (p.type) {
    case 'task_started':
    case 'user_message':
      return { ...base, event: 'UserPromptSubmit' };
    case 'exec_command_begin':
    case 'patch_apply_begin':
      return { ...base, event: 'PreToolUse', tool: short(p.type) };
    case 'task_complete':
    case 'turn_complete': {
      // A turn that ended on an error carries it (`error.codex_error_info`): the turn is over, but on a
      // limit, a lost login or an outage, not on an answer.
      const err = obj(p.error);
      const kind = err ? codexErrorKind(err) : null;
      if (!kind) return { ...base, event: 'agent-turn-complete' };
      return { ...base, event: 'StopFailure', error: kind, message: short(err?.message) };
    }
    case 'exec_approval_request':
    case 'apply_patch_approval_request':
    case 'request_user_input':
      return { ...base, event: 'PermissionRequest', message: short(p.reason ?? p.command) };
    case 'error':
    case 'stream_error': {
      const message = short(p.message) ?? '';
      const kind = messageKind(message);
      if (kind === 'rate_limit' || kind === 'throttled' || kind === 'authentication_failed')
        return { ...base, event: 'StopFailure', error: kind, message };
      return null; // other errors are retried by codex itself; the screen and the stall rule judge them
    }
    case 'token_count': {
      // rate_limits.primary / secondary: { used_percent, resets_at (epoch s) | resets_in_seconds }
      const limits = obj(p.rate_limits);
      for (const w of [obj(limits?.primary), obj(limits?.secondary)]) {
        if (!w || typeof w.used_percent !== 'number' || w.used_percent < 100) continue;
        const resetAt =
          typeof w.resets_at === 'number'
            ? new Date(w.resets_at * 1000).toISOString()
            : typeof w.resets_in_seconds === 'number'
              ? new Date(Date.parse(at) + w.resets_in_seconds * 1000).toISOString()
              : undefined;
        return {
          ...base,
          event: 'StopFailure',
          error: 'rate_limit',
          message: `usage at ${w.used_percent}%`,
          resetAt,
        };
      }
      return null;
    }
    default:
      return null;
  }
}

/** A codex error message: the account's usage limit ("You've hit your usage limit") apart from the
 * server limiting requests (429, "Too Many Requests", "rate limit"): only the first is a quota. */
function messageKind(message: string): string | null {
  if (/usage limit|quota/i.test(message)) return 'rate_limit';
  if (/too many requests|rate[ _-]?limit|\b429\b/i.test(message)) return 'throttled';
  if (/\b401\b|unauthori[sz]ed|log ?in|api key|token (?:has )?expired/i.test(message))
    return 'authentication_failed';
  return null;
}

/** `codex_error_info` of a failed turn (codex 0.169: a string, or `{kind: {http_status_code}}`), in
 * the StopFailure vocabulary; the message decides when the kind is not one we know. */
function codexErrorKind(err: Json): string | null {
  const info = err.codex_error_info;
  const name = typeof info === 'string' ? info : Object.keys(obj(info) ?? {})[0];
  const status = obj(obj(info)?.[name ?? ''])?.http_status_code;
  switch (name) {
    case 'usage_limit_exceeded':
      return 'rate_limit';
    case 'unauthorized':
      return 'authentication_failed';
    case 'server_overloaded':
    case 'internal_server_error':
      return 'api_error';
    case 'http_connection_failed':
    case 'response_stream_connection_failed':
    case 'response_stream_disconnected':
    case 'response_too_many_failed_attempts':
      if (status === 429) return 'throttled';
      if (status === 401) return 'authentication_failed';
      return typeof status === 'number' ? 'api_error' : 'network';
    default:
      return messageKind(typeof err.message === 'string' ? err.message : '') ?? (name ? 'api_error' : null);
  }
}

/** One transcript line of `agent` -> the event it means (null: none, or a vendor whose transcript is
 * not read). The supervisor's reader and the conformance scorer share it. */
export function transcriptEvent(agent: AgentName | string, line: string): HookEvent | null {
  return agent === 'codex' ? codexEvent(line) : null;
}

export interface TranscriptRead {
  events: HookEvent[];
  nextOffset: number;
}

/** New events of a transcript since `offset`; complete lines only. */
export async function readTranscript(
  agent: AgentName,
  file: string,
  offset: number,
): Promise<TranscriptRead> {
  const { lines, nextOffset } = await tailLines(file, offset, MAX_READ_BYTES);
  const events = lines.map((l) => transcriptEvent(agent, l)).filter((e): e is HookEvent => e !== null);
  return { events, nextOffset };
}

/** The transcript of the session this run started: the newest codex rollout for the repo written
 * since the run began. Null until codex has written one (it does on its first turn). */
export async function findTranscript(
  agent: AgentName,
  o: {
    cwd: string;
    since: Date;
    home?: string;
    now?: Date;
    /** CODEX_HOME when the agent runs with one (default <home>/.codex). */
    codexHome?: string;
    /** Session ids held by other workcells: their rollouts are not ours (one workcell per id). */
    skipIds?: ReadonlySet<string>;
  },
): Promise<string | null> {
  if (agent !== 'codex') return null;
  const now = (o.now ?? new Date()).getTime();
  const root = join(o.codexHome ?? join(o.home ?? homedir(), '.codex'), 'sessions');
  let best: { file: string; mtime: number } | null = null;
  for (let t = o.since.getTime() - 86_400_000; t <= now + 86_400_000; t += 86_400_000) {
    const d = new Date(t);
    const p = (n: number) => String(n).padStart(2, '0');
    const day = join(root, String(d.getFullYear()), p(d.getMonth() + 1), p(d.getDate()));
    const names = await readdir(day).catch(() => [] as string[]); // ENOENT: nothing that day
    for (const name of names) {
      if (!name.startsWith('rollout-') || !name.endsWith('.jsonl')) continue;
      if (o.skipIds && [...o.skipIds].some((id) => name.endsWith(`-${id}.jsonl`))) continue;
      const file = join(day, name);
      const s = await stat(file).catch(() => null); // vanished between readdir and stat
      if (!s || s.mtimeMs < o.since.getTime() - 2_000 || (best && s.mtimeMs <= best.mtime)) continue;
      if ((await rolloutCwd(file)) === o.cwd) best = { file, mtime: s.mtimeMs };
    }
  }
  return best?.file ?? null;
}

async function rolloutCwd(file: string): Promise<string | null> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return null;
  try {
    const buf = Buffer.alloc(MAX_READ_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const nl = text.indexOf('\n');
    const payload = obj(obj(JSON.parse(nl >= 0 ? text.slice(0, nl) : text))?.payload);
    return typeof payload?.cwd === 'string' ? payload.cwd : null;
  } catch {
    // still being written, or not JSON: not ours
    return null;
  } finally {
    await fh.close();
  }
}
