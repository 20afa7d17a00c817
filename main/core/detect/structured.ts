// Structured error and limit signals some CLIs give besides their screen, read into the hook
// vocabulary detect() already trusts (a StopFailure with an error kind and a reset time), so a limit
// is known to the minute without parsing prose. Pure, table-tested. Codex's rollout
// (`token_count.rate_limits.*.resets_at`) is read by agents/transcripts.ts.
import type { HookEvent } from '../agents/hookSink.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
function parse(line: string): Json | null {
  try {
    return obj(JSON.parse(line));
  } catch {
    // a torn or non-JSON line of the stream: not a signal
    return null;
  }
}
const iso = (ms: number) => new Date(ms).toISOString();

/** The StopFailure error kinds detect() understands (see hookState). */
export type ErrorKind = 'rate_limit' | 'throttled' | 'authentication_failed' | 'api_error' | 'network';

/** What an error message says, for sources that give text only. */
export function errorKind(message: string): ErrorKind {
  if (
    /usage limit|(?:session|weekly|daily|monthly) limit|hit your limit|quota|exhausted|insufficient_quota/i.test(
      message,
    )
  )
    return 'rate_limit';
  if (/\b429\b|rate[ _-]?limit|too many requests/i.test(message)) return 'throttled';
  if (/\b401\b|unauthori[sz]ed|authentication|api key|log ?in/i.test(message)) return 'authentication_failed';
  if (/ECONN|ENOTFOUND|ETIMEDOUT|fetch failed|connect/i.test(message)) return 'network';
  return 'api_error';
}

function failure(vendor: string, at: string, error: ErrorKind, message: string, resetAt?: string): HookEvent {
  return {
    at,
    vendor,
    event: 'StopFailure',
    source: 'stream',
    error,
    message: message.slice(0, 160),
    ...(resetAt ? { resetAt } : {}),
  };
}

/** One line of `claude -p --output-format stream-json`: `rate_limit_event` with
 * `rate_limit_info.status: "rejected"` and `resetsAt` (epoch seconds) is the usage limit; a `result`
 * with `is_error` names the error in its text. */
export function claudeStreamEvent(line: string, at: string): HookEvent | null {
  const rec = parse(line);
  if (!rec) return null;
  if (rec.type === 'rate_limit_event') {
    const info = obj(rec.rate_limit_info);
    if (info?.status !== 'rejected') return null; // allowed / allowed_warning: still working
    const resetAt = typeof info.resetsAt === 'number' ? iso(info.resetsAt * 1000) : undefined;
    return failure(
      'claude',
      at,
      'rate_limit',
      `rate limit ${String(info.rateLimitType ?? '')}`.trim(),
      resetAt,
    );
  }
  if (rec.type === 'result' && rec.is_error === true) {
    const text = typeof rec.result === 'string' ? rec.result : String(rec.subtype ?? 'error');
    return failure('claude', at, errorKind(text), text);
  }
  return null;
}

/** Gemini's error body (`error.details[]` with `RetryInfo.retryDelay: "8176s"` and a `QuotaFailure`):
 * a per-day quota is the usage limit, any other quota a throttle; the reset is now + retryDelay. */
export function geminiErrorEvent(body: string, at: string): HookEvent | null {
  const err = obj(parse(body)?.error);
  if (!err) return null;
  const details = Array.isArray(err.details) ? err.details.map(obj) : [];
  let delayS: number | null = null;
  let quotaIds: string[] = [];
  for (const d of details) {
    const type = String(d?.['@type'] ?? '');
    if (type.endsWith('RetryInfo')) {
      const m = /^(\d+(?:\.\d+)?)s$/.exec(String(d?.retryDelay ?? ''));
      if (m) delayS = Number(m[1]);
    }
    if (type.endsWith('QuotaFailure') && Array.isArray(d?.violations))
      quotaIds = d.violations.map((v) => String(obj(v)?.quotaId ?? ''));
  }
  const message = String(err.message ?? err.status ?? '');
  const resetAt = delayS === null ? undefined : iso(Date.parse(at) + delayS * 1000);
  if (err.code === 429 || err.status === 'RESOURCE_EXHAUSTED') {
    const daily = quotaIds.some((q) => /PerDay/i.test(q));
    return failure('gemini', at, daily ? 'rate_limit' : 'throttled', message, resetAt);
  }
  return failure('gemini', at, errorKind(message), message);
}

/** opencode's `session.status` bus event: `{type: "retry", attempt, message, next}` (next: epoch ms)
 * is a retry scheduled after an error; its message says which. `idle`/`busy` are not errors. */
export function opencodeStatusEvent(line: string, at: string): HookEvent | null {
  const rec = parse(line);
  if (!rec || rec.type !== 'session.status') return null;
  const status = obj(obj(rec.properties)?.status);
  if (status?.type !== 'retry') return null;
  const message = String(status.message ?? '');
  const resetAt = typeof status.next === 'number' ? iso(status.next) : undefined;
  return failure('opencode', at, errorKind(message), message, resetAt);
}
