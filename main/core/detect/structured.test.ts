// Structured limit/error signals (Claude stream-json, Gemini error bodies, opencode session.status)
// into the StopFailure vocabulary, and what detect() then says with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinPatterns } from '../agents/patterns.js';
import { detect } from './detect.js';
import { claudeStreamEvent, errorKind, geminiErrorEvent, opencodeStatusEvent } from './structured.js';

const AT = '2026-11-30T14:00:00.000Z';
const RESET_S = Date.parse('2026-11-30T16:17:00Z') / 1000;

test('claude stream-json rate_limit_event rejected: the usage limit with resetsAt to the minute', () => {
  const line = JSON.stringify({
    type: 'rate_limit_event',
    rate_limit_info: { status: 'rejected', resetsAt: RESET_S, rateLimitType: 'five_hour' },
    uuid: 'u',
    session_id: 's',
  });
  const e = claudeStreamEvent(line, AT);
  assert.deepEqual(
    [e?.event, e?.error, e?.resetAt, e?.source],
    ['StopFailure', 'rate_limit', '2026-11-30T16:17:00.000Z', 'stream'],
  );
  const d = detect({
    agent: 'claude',
    screen: '',
    now: new Date(AT),
    patterns: builtinPatterns('claude'),
    hookEvents: [e!],
  });
  assert.deepEqual(
    [d?.state, d?.resetAt, d?.reason],
    ['rate_limited', '2026-11-30T16:17:00.000Z', undefined],
  );
  const allowed = JSON.stringify({
    type: 'rate_limit_event',
    rate_limit_info: { status: 'allowed_warning' },
  });
  assert.equal(claudeStreamEvent(allowed, AT), null);
  assert.equal(claudeStreamEvent('{"type":"assistant"', AT), null, 'a torn line');
});

test('claude stream-json error result names the error kind', () => {
  const e = claudeStreamEvent(
    JSON.stringify({ type: 'result', is_error: true, result: 'API Error: Repeated 529 Overloaded errors' }),
    AT,
  );
  assert.equal(e?.error, 'api_error');
  const d = detect({
    agent: 'claude',
    screen: '',
    now: new Date(AT),
    patterns: builtinPatterns('claude'),
    hookEvents: [e!],
  });
  assert.deepEqual([d?.state, d?.reason], ['idle', 'api_error']);
});

const geminiBody = (quotaId: string, delay: string) =>
  JSON.stringify({
    error: {
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      message: 'You exceeded your current quota',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay },
      ],
    },
  });

test('gemini retryDelay: a per-day quota is the usage limit, a per-minute one a throttle', () => {
  const day = geminiErrorEvent(geminiBody('GenerateRequestsPerDayPerProjectPerModel-FreeTier', '8220s'), AT);
  assert.deepEqual([day?.error, day?.resetAt], ['rate_limit', '2026-11-30T16:17:00.000Z']);
  const minute = geminiErrorEvent(
    geminiBody('GenerateRequestsPerMinutePerProjectPerModel-FreeTier', '20s'),
    AT,
  );
  assert.deepEqual([minute?.error, minute?.resetAt], ['throttled', '2026-11-30T14:00:20.000Z']);
  const d = detect({
    agent: 'gemini',
    screen: '',
    now: new Date(AT),
    patterns: builtinPatterns('gemini'),
    hookEvents: [minute!],
  });
  assert.deepEqual([d?.state, d?.reason], ['rate_limited', 'throttled']);
  const unavailable = geminiErrorEvent(
    JSON.stringify({ error: { code: 503, message: 'The model is overloaded.' } }),
    AT,
  );
  assert.equal(unavailable?.error, 'api_error');
});

test('opencode session.status retry: next is the retry time; its message says which error', () => {
  const ev = (message: string) =>
    JSON.stringify({
      type: 'session.status',
      properties: {
        sessionID: 's',
        status: { type: 'retry', attempt: 2, message, next: Date.parse(AT) + 16_000 },
      },
    });
  const e = opencodeStatusEvent(ev('Rate limit reached for gpt-4.1 on requests per min'), AT);
  assert.deepEqual([e?.error, e?.resetAt], ['throttled', '2026-11-30T14:00:16.000Z']);
  assert.equal(opencodeStatusEvent(ev('Cannot connect to API: ECONNREFUSED'), AT)?.error, 'network');
  assert.equal(
    opencodeStatusEvent(
      JSON.stringify({ type: 'session.status', properties: { status: { type: 'busy' } } }),
      AT,
    ),
    null,
  );
});

test('errorKind keeps a throttle apart from a quota', () => {
  assert.equal(errorKind('429 Too Many Requests'), 'throttled');
  assert.equal(errorKind('You have exhausted your daily quota'), 'rate_limit');
  assert.equal(errorKind('401 Unauthorized'), 'authentication_failed');
  assert.equal(errorKind('500 Internal Server Error'), 'api_error');
});
