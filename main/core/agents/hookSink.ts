// The hook sink: the command vendor hooks run. `node hookSink.js <runDir> <vendor> [payload]`.
// Claude Code and Gemini CLI pipe the hook JSON on stdin; Codex `notify` passes it as the last argv.
// It appends ONE small line to <runDir>/hooks/events.jsonl and exits 0, fast, whatever it was given:
// a hook must never break, block or slow the agent. Transcripts and large fields are dropped.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One line of hooks/events.jsonl. */
export interface HookEvent {
  at: string;
  vendor: string;
  /** hook_event_name (Claude, Gemini) or the notify `type` (Codex), e.g. Stop, agent-turn-complete. */
  event: string;
  /** The vendor's session id when the payload carries one (session_id, thread-id). */
  sessionId?: string;
  notificationType?: string;
  /** StopFailure's error kind (rate_limit, authentication_failed, ...). */
  error?: string;
  tool?: string;
  /** A short human text from the payload (notification message), truncated. */
  message?: string;
  /** Set when the payload was not JSON: the sink still records that the hook fired. */
  bad?: true;
  /** Where the event came from when not a hook: the vendor's own transcript (see transcripts.ts),
   * claude's stream-json, or the vendor's log (vendorLogs.ts). */
  source?: 'transcript' | 'stream' | 'log';
  /** When a usage limit lifts, when the vendor's structured record says (ISO 8601). */
  resetAt?: string;
  /** SessionStart's `source` (startup, resume, clear, compact): how the session began. */
  startSource?: string;
  /** The shell command of a Bash tool call (tool_input.command), truncated: the checkpoint's "last
   * commands". */
  command?: string;
}

export const HOOK_EVENTS_FILE = 'events.jsonl';
// A line stays far below PIPE_BUF-sized appends and cheap to tail; messages beyond this are noise.
const MAX_MESSAGE = 200;
const MAX_FIELD = 120;
// Hook payloads are small; a transcript piped by mistake is not read past this.
const MAX_STDIN = 1024 * 1024;
// Claude waits for a hook to finish; if a vendor never closes stdin we give up and still record.
const STDIN_TIMEOUT_MS = 2_000;

function str(v: unknown, max = MAX_FIELD): string | undefined {
  if (typeof v !== 'string' || v.length === 0) return undefined;
  return v.length > max ? `${v.slice(0, max - 1)}…` : v;
}

/** The small event line for one payload. Pure, for tests. */
export function toHookEvent(vendor: string, raw: string, now: Date): HookEvent {
  let p: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new TypeError('not an object');
    p = parsed as Record<string, unknown>;
  } catch {
    // bad input from the vendor (empty stdin, truncated JSON): record that the hook fired, nothing more
    return { at: now.toISOString(), vendor, event: 'unknown', bad: true };
  }
  const ev: HookEvent = {
    at: now.toISOString(),
    vendor,
    event: str(p.hook_event_name) ?? str(p.type) ?? 'unknown',
  };
  const sessionId = str(p.session_id) ?? str(p['thread-id']) ?? str(p.sessionId);
  if (sessionId) ev.sessionId = sessionId;
  const nt = str(p.notification_type);
  if (nt) ev.notificationType = nt;
  const error = str(p.error) ?? str((p.error as Record<string, unknown> | undefined)?.type);
  if (error) ev.error = error;
  const tool = str(p.tool_name);
  if (tool) ev.tool = tool;
  const source = str(p.source, 40);
  if (source && ev.event === 'SessionStart') ev.startSource = source;
  const input = p.tool_input;
  const command =
    input && typeof input === 'object'
      ? str((input as Record<string, unknown>).command, MAX_MESSAGE)
      : undefined;
  if (command) ev.command = command;
  // Claude's StopFailure names the error kind only (`rate_limit` for a quota and for a 429 alike);
  // its last_assistant_message is what the user saw ("You've hit your session limit · resets 6pm",
  // "Request rejected (429)"), which tells them apart and carries the reset.
  const failureText =
    ev.event === 'StopFailure'
      ? (str(p.last_assistant_message, MAX_MESSAGE) ?? str(p.error_details, MAX_MESSAGE))
      : undefined;
  const message = str(p.message, MAX_MESSAGE) ?? str(p['last-assistant-message'], MAX_MESSAGE) ?? failureText;
  if (message) ev.message = message;
  return ev;
}

export function appendHookEvent(runDir: string, ev: HookEvent): void {
  const dir = join(runDir, 'hooks');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, HOOK_EVENTS_FILE), `${JSON.stringify(ev)}\n`);
}

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) return resolve('');
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, STDIN_TIMEOUT_MS);
    process.stdin.on('data', (c: Buffer) => {
      if (size < MAX_STDIN) chunks.push(c);
      size += c.length;
    });
    process.stdin.on('end', done);
    process.stdin.on('error', done);
  });
}

async function main(argv: string[]): Promise<void> {
  const [runDir, vendor = 'unknown', argPayload] = argv;
  if (!runDir) return;
  const raw = argPayload ?? (await readStdin());
  appendHookEvent(runDir, toHookEvent(vendor, raw, new Date()));
}

const invokedAs = process.argv[1] ? pathToFileURL(process.argv[1]).href : '';
if (import.meta.url === invokedAs) {
  main(process.argv.slice(2))
    .catch(() => {
      // unwritable run dir, disk full: losing one hook line must not fail the agent's hook
    })
    .finally(() => process.exit(0));
}
