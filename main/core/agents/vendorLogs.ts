// Vendor logs: the third structured source after hooks and transcripts (DESIGN.md §6). Three CLIs say
// too little on the screen while they retry a failing request: copilot draws "Working" and gemini
// "Thinking..." for minutes over a 429, a 5xx or a refused connection, and claude one "API error"
// line for all of them. Each says what happened in a log of its own, which workcell points into the
// run dir at launch (prepareHooks):
//   copilot  `--log-dir <run>/hooks/copilot-logs`: one `process-<ms>-<pid>.log` per process, with
//            "Model provider request failed {http_status, failure_kind, retry_after_ms}" per failure
//   gemini   telemetry to a file (GEMINI_TELEMETRY_OUTFILE=<run>/hooks/gemini-telemetry.log): one
//            pretty-printed JSON record per event, `gemini_cli.api_error` (status_code or the fetch
//            error), `gemini_cli.network_retry_attempt`, and `gemini_cli.api_response` on success
//   claude   `--debug-file <run>/hooks/claude-debug.log` with CLAUDE_CODE_DEBUG_LOG_LEVEL=error: a line
//            "API error (attempt 2/11): 401 401 {...authentication_error...}" per failed request, where
//            the screen says "API error · Retrying in 9s · attempt 2/10" over a 401, a 429 and a 529
//            alike. The price is one line under its banner, "Debug mode enabled ·
//            logging to <file>" (the level keeps the file to errors: a few KB an hour of retries).
// Measured on copilot 1.0.102, gemini-cli 0.61.0 and claude-code 2.1.197 against the conformance mock.
// Copilot's and gemini's failures become `ApiRetry` events (detect.ts: a claim that holds while the CLI
// retries and nothing newer shows); gemini's successful response an `ApiResponse` (running). Claude's
// become `ApiError`: no claim on their own (claude logs its side requests' failures too, and a quota it
// does not retry), only the reason of the retry line its screen shows.
import { open, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentName } from '../../common/workcell.js';
import type { HookEvent } from './hookSink.js';

export const COPILOT_LOG_DIR = 'copilot-logs';
export const GEMINI_TELEMETRY_FILE = 'gemini-telemetry.log';
export const CLAUDE_DEBUG_FILE = 'claude-debug.log';
/** The agents whose log the run dir holds (prepareHooks points them there). */
export const LOGGING_AGENTS: ReadonlySet<string> = new Set(['copilot', 'gemini', 'claude']);

// One look reads at most this much; gemini writes about 100 KB of telemetry per model call.
const MAX_READ_BYTES = 1024 * 1024;
/** Gemini's telemetry file (and claude's debug log) is emptied once read past this (it is ours, and
 * append-only): a day of metrics would otherwise fill the run dir. */
export const GEMINI_TELEMETRY_CAP = 8 * 1024 * 1024;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
const short = (s: string, max = 160) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** An HTTP status and an error text, in the StopFailure vocabulary (transcripts.ts uses the same):
 * rate_limit (a quota), throttled (a 429 to retry), authentication_failed, api_error, network.
 * `silentQuota`: a bare 429 (no text, no retry-after) is a quota, as copilot logs codex's
 * usage_limit_reached; a server limiting requests says when to come back. */
function kindOf(
  status: number | null,
  text: string,
  o: { retryAfter?: boolean; silentQuota?: boolean } = {},
): string {
  if (status === 429 || /RESOURCE_EXHAUSTED/.test(text)) {
    // gemini says "quota" for both: a per-day quota is the usage limit, a per-minute one a throttle
    if (/PerDay|per day|daily|usage[ _]limit/i.test(text)) return 'rate_limit';
    if (o.retryAfter || /PerMinute|per minute|retry in|rate_limit_exceeded|too many requests/i.test(text))
      return 'throttled';
    return o.silentQuota && !text ? 'rate_limit' : 'throttled';
  }
  if (
    status === 401 ||
    status === 403 ||
    /API_KEY_INVALID|invalid[ _]api[ _]key|unauthori[sz]ed|UNAUTHENTICATED/i.test(text)
  )
    return 'authentication_failed';
  if (status !== null) return 'api_error';
  return 'network';
}

// 2026-12-01T06:16:38.890Z [WARNING] [rust:model_events::producer] Model provider request failed {...}
const COPILOT_FAILED = /^(\S+) \[\w+\] \[[^\]]*\] Model provider request failed (\{.*\})\s*$/;

/** One copilot log line -> ApiRetry, or null. */
export function copilotLogEvent(line: string): HookEvent | null {
  const m = COPILOT_FAILED.exec(line);
  if (!m || Number.isNaN(Date.parse(m[1]!))) return null;
  let f: Json | null;
  try {
    f = obj(JSON.parse(m[2]!));
  } catch {
    // a torn line
    return null;
  }
  if (!f) return null;
  const status = typeof f.http_status === 'number' ? f.http_status : null;
  const retryAfter = typeof f.retry_after_ms === 'number';
  const kind = kindOf(status, typeof f.error_type === 'string' ? f.error_type : '', {
    retryAfter,
    silentQuota: true,
  });
  const what = status !== null ? `HTTP ${status}` : String(f.failure_kind ?? 'no answer');
  return {
    at: new Date(Date.parse(m[1]!)).toISOString(),
    vendor: 'copilot',
    event: 'ApiRetry',
    source: 'log',
    error: kind,
    message: `model request failed: ${what}${retryAfter ? `, retry in ${Math.round(Number(f.retry_after_ms) / 1000)}s` : ''}`,
  };
}

// 2026-12-01T10:13:35.621Z [ERROR] API error (attempt 1/11): 401 401 {"type":"error","error":{...}}
// 2026-12-01T10:15:09.639Z [ERROR] API error (attempt 1/11): undefined Connection error.
const CLAUDE_FAILED = /^(\S+) \[ERROR\] API error \(attempt (\d+)\/(\d+)\): (?:(\d{3}) )?(.*)$/;

/** One line of claude's debug log -> ApiError, or null (the log's other lines, and a record's
 * continuation lines). */
export function claudeDebugEvent(line: string): HookEvent | null {
  const m = CLAUDE_FAILED.exec(line);
  if (!m || Number.isNaN(Date.parse(m[1]!))) return null;
  const status = m[4] ? Number(m[4]) : null;
  // "401 401 {body}": the SDK's message repeats the status before the body; "undefined Connection
  // error." has no status at all.
  const rest = m[5]!.replace(/^(?:\d{3} |undefined )/, '');
  const body = rest.startsWith('{') ? innerMessage(rest) : rest;
  const type = /"type":"(\w+_error)"/.exec(rest)?.[1] ?? '';
  const kind =
    status === null
      ? 'network'
      : type === 'authentication_error' || type === 'permission_error'
        ? 'authentication_failed'
        : kindOf(status, body);
  return {
    at: new Date(Date.parse(m[1]!)).toISOString(),
    vendor: 'claude',
    event: 'ApiError',
    source: 'log',
    error: kind,
    message: short(
      `model request failed (attempt ${m[2]}): ${status !== null ? `HTTP ${status}: ` : ''}${body.replace(/\s+/g, ' ')}`,
    ),
  };
}

const GEMINI_EVENTS = new Set([
  'gemini_cli.api_error',
  'gemini_cli.api_response',
  'gemini_cli.network_retry_attempt',
]);

/** The API's own message out of an error body gemini logs whole (`{"error":{"message":...}}`), with
 * the status words kept for kindOf (RESOURCE_EXHAUSTED, API_KEY_INVALID, PerDay quota ids). */
export function innerMessage(raw: string): string {
  if (!raw.startsWith('{')) return raw;
  try {
    const e = obj(obj(JSON.parse(raw))?.error);
    if (typeof e?.message !== 'string') return raw;
    const words = raw.match(/RESOURCE_EXHAUSTED|API_KEY_INVALID|UNAUTHENTICATED|PerDay|PerMinute/g) ?? [];
    return [e.message, ...new Set(words)].join(' ');
  } catch {
    // cut or not JSON after all: the text as it is
    return raw;
  }
}

/** One gemini telemetry record (pretty-printed as gemini writes it, or compact) -> ApiRetry /
 * ApiResponse, or null for the many records that say nothing about the state (metrics, config). */
export function geminiTelemetryEvent(record: string): HookEvent | null {
  if (!record.includes('gemini_cli.api_') && !record.includes('gemini_cli.network_retry')) return null;
  let a: Json | null;
  try {
    a = obj(obj(JSON.parse(record))?.attributes);
  } catch {
    // a record cut by a truncation or still being written
    return null;
  }
  const name = a?.['event.name'];
  if (!a || typeof name !== 'string' || !GEMINI_EVENTS.has(name)) return null;
  const ts = typeof a['event.timestamp'] === 'string' ? Date.parse(a['event.timestamp']) : NaN;
  if (Number.isNaN(ts)) return null;
  const base = { at: new Date(ts).toISOString(), vendor: 'gemini', source: 'log' as const };
  const status = typeof a.status_code === 'number' ? a.status_code : null;
  if (name === 'gemini_cli.api_response')
    return status === null || status < 400 ? { ...base, event: 'ApiResponse' } : null;
  if (name === 'gemini_cli.network_retry_attempt') {
    // error_type (gemini's getRetryErrorType): QUOTA_EXCEEDED (any 429), SERVER_ERROR (5xx) and
    // HTTP_<n> follow an api_error record that names them better; the rest (FETCH_FAILED, an SSL or
    // socket code, INCOMPLETE_JSON) is the connection.
    const type = String(a.error_type ?? 'UNKNOWN');
    if (/^(?:QUOTA_EXCEEDED|SERVER_ERROR|HTTP_\d+)$/.test(type)) return null;
    return {
      ...base,
      event: 'ApiRetry',
      error: 'network',
      message: short(`retry ${String(a.attempt)}/${String(a.max_attempts)}: ${type}`),
    };
  }
  const raw = typeof a['error.message'] === 'string' ? a['error.message'] : '';
  const text = innerMessage(raw);
  return {
    ...base,
    event: 'ApiRetry',
    error: kindOf(status, text),
    message: short(
      `model request failed: ${status !== null ? `HTTP ${status}` : 'no answer'}: ${text.replace(/\s+/g, ' ')}`,
    ),
  };
}

/** One record of `agent`'s log -> the event it means. The supervisor and the conformance scorer
 * share it. */
export function vendorLogEvent(agent: AgentName | string, record: string): HookEvent | null {
  if (agent === 'copilot') return copilotLogEvent(record);
  if (agent === 'gemini') return geminiTelemetryEvent(record);
  if (agent === 'claude') return claudeDebugEvent(record);
  return null;
}

/** The records of a chunk, and how many bytes of it they used: copilot writes a line per record,
 * gemini a pretty-printed object whose closing brace is alone at the start of a line. A record not
 * yet finished is left for the next read. */
export function splitRecords(agent: string, text: string): { records: string[]; used: number } {
  const end = agent === 'gemini' ? '\n}\n' : '\n';
  const last = text.lastIndexOf(end);
  if (last < 0) return { records: [], used: 0 };
  const used = last + end.length;
  const body = text.slice(0, used);
  const records = agent === 'gemini' ? body.split(/(?<=\n\})\n/) : body.split('\n');
  return { records: records.filter((r) => r.trim()), used };
}

/** The log file of a run, or null when the agent keeps none there (yet). Copilot: the newest
 * process log (a resumed pass starts a new process). */
export async function findVendorLog(agent: AgentName | string, runDir: string): Promise<string | null> {
  const hooks = join(runDir, 'hooks');
  const single = agent === 'gemini' ? GEMINI_TELEMETRY_FILE : agent === 'claude' ? CLAUDE_DEBUG_FILE : null;
  if (single) {
    const f = join(hooks, single);
    return (await stat(f).catch(() => null))?.isFile() ? f : null;
  }
  if (agent !== 'copilot') return null;
  const dir = join(hooks, COPILOT_LOG_DIR);
  const names = await readdir(dir).catch(() => [] as string[]); // ENOENT: copilot has not started
  let best: { file: string; mtime: number } | null = null;
  for (const n of names) {
    if (!/^process-.*\.log$/.test(n)) continue;
    const s = await stat(join(dir, n)).catch(() => null); // removed between readdir and stat
    if (s?.isFile() && (!best || s.mtimeMs > best.mtime)) best = { file: join(dir, n), mtime: s.mtimeMs };
  }
  return best?.file ?? null;
}

export interface VendorLogRead {
  events: HookEvent[];
  nextOffset: number;
}

/** New events of a vendor log since `offset`; whole records only. A file that shrank (emptied) is
 * read from its start. Gemini's telemetry file is emptied once read to its end past the cap. */
export async function readVendorLog(
  agent: AgentName | string,
  file: string,
  offset: number,
  o: { cap?: number } = {},
): Promise<VendorLogRead> {
  const fh = await open(file, 'r').catch(() => null); // ENOENT: moved away; nothing new
  if (!fh) return { events: [], nextOffset: offset };
  let size: number;
  let next: number;
  let events: HookEvent[];
  try {
    size = (await fh.stat()).size;
    const start = size < offset ? 0 : offset;
    const len = Math.min(size - start, MAX_READ_BYTES);
    if (len <= 0) return { events: [], nextOffset: start };
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, start);
    const text = buf.toString('utf8');
    const { records, used } = splitRecords(agent, text);
    // A record longer than one read can never complete: skip the window rather than stall on it.
    const usedBytes = used ? Buffer.byteLength(text.slice(0, used)) : len === MAX_READ_BYTES ? len : 0;
    next = start + usedBytes;
    events = records.map((r) => vendorLogEvent(agent, r)).filter((e): e is HookEvent => e !== null);
  } finally {
    await fh.close();
  }
  if ((agent === 'gemini' || agent === 'claude') && next === size && next > (o.cap ?? GEMINI_TELEMETRY_CAP)) {
    // Both append (O_APPEND), so the next record lands at the new start; one written between the
    // stat and here is lost, which costs one event, never a state (the next retry writes another).
    await truncate(file, 0).catch(() => undefined); // gone or read-only: read on, from the offset
    next = 0;
  }
  return { events, nextOffset: next };
}

/** At the end of a pass: gemini's telemetry file is emptied. It grows with every model call (each
 * `gen_ai` record repeats the conversation), and what it said matters only while the pass ran; with no
 * daemon reading it, nothing else would keep it small. */
export async function emptyEndedPassLogs(runDir: string): Promise<void> {
  await truncate(join(runDir, 'hooks', GEMINI_TELEMETRY_FILE), 0).catch(() => undefined); // ENOENT: none
}
