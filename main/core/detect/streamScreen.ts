// A JSON event stream printed on the pane: `claude -p --output-format stream-json` writes one event a
// line, and while it retries a failed request it prints `{"type":"system","subtype":"api_retry",
// "error_status":429,"error":"rate_limit",...}` where the text mode shows nothing at all. The pane is
// what the supervisor reads, so the structured error the stream names is read from it: 401 vs 429 vs
// 5xx vs no answer, which the interactive "API error · Retrying" line does not tell apart.
import { claudeStreamEvent, type ErrorKind } from './structured.js';
import type { BottomLine } from './screen.js';

export interface StreamBlocker {
  cat: 'rate_limited' | 'auth_failed' | 'throttled' | 'api_error' | 'network';
  /** Index in the bottom block of the event's line. */
  line: number;
  detail: string;
  /** The CLI is retrying the request (api_retry), not stopped on it. */
  retrying: boolean;
  resetAt?: string;
}

type Json = Record<string, unknown>;
function parse(text: string): Json | null {
  if (!text.startsWith('{') || !text.endsWith('}')) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    // a line cut at the top of the screen, or braces that are not JSON
    return null;
  }
}

const KIND_CAT: Record<ErrorKind, StreamBlocker['cat']> = {
  rate_limit: 'rate_limited',
  throttled: 'throttled',
  authentication_failed: 'auth_failed',
  api_error: 'api_error',
  network: 'network',
};

/** What an api_retry's `error` (claude's error kind) and `error_status` (HTTP status, null when no
 * answer came) say. A retried 429 is the server limiting requests: a quota is not retried, claude
 * reports it with a rejected `rate_limit_event` and stops. */
function retryCat(error: unknown, status: unknown): StreamBlocker['cat'] {
  if (error === 'authentication_failed' || status === 401 || status === 403) return 'auth_failed';
  if (error === 'rate_limit' || status === 429) return 'throttled';
  if (typeof status === 'number') return 'api_error';
  return error === 'unknown' || error == null ? 'network' : 'api_error';
}

function limitResetAbove(lines: BottomLine[], below: number, at: string): string | undefined {
  for (let i = below - 1; i >= 0; i--) {
    const ev = claudeStreamEvent(lines[i]!.raw, at);
    if (ev?.resetAt) return ev.resetAt;
  }
  return undefined;
}

/** The blocker the newest stream event on the screen names, if the newest event is an error: a later
 * event of any other kind (an answer, a tool call, a successful result) means the stream moved on. */
export function streamBlocker(lines: BottomLine[], at: string): StreamBlocker | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const rec = parse(lines[i]!.raw);
    if (!rec || typeof rec.type !== 'string') continue;
    if (rec.type === 'system' && rec.subtype === 'api_retry') {
      const status = rec.error_status;
      const attempt = `attempt ${String(rec.attempt)}/${String(rec.max_retries)}`;
      return {
        cat: retryCat(rec.error, status),
        line: i,
        detail: `stream api_retry: ${String(status ?? 'no answer')} ${String(rec.error ?? '')} (${attempt})`,
        retrying: true,
      };
    }
    const ev = claudeStreamEvent(lines[i]!.raw, at);
    if (ev?.error) {
      const cat = KIND_CAT[ev.error as ErrorKind] ?? 'api_error';
      // A final `result` on a limit: the rejected rate_limit_event above it carries the reset time.
      const resetAt = ev.resetAt ?? (cat === 'rate_limited' ? limitResetAbove(lines, i, at) : undefined);
      return {
        cat,
        line: i,
        detail: `stream ${rec.type}: ${ev.message ?? ev.error}`,
        retrying: false,
        ...(resetAt ? { resetAt } : {}),
      };
    }
    // init, hook and other system events come before the first request: keep looking above them.
    if (rec.type === 'system' || rec.type === 'rate_limit_event') continue;
    return null;
  }
  return null;
}
