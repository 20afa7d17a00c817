// `claude -p --output-format stream-json` on a pane: its api_retry events say which error is being
// retried (the text mode's pane is blank meanwhile). Event lines are the real claude 2.1.197 shapes
// from the conformance captures (ids shortened).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinPatterns } from '../agents/patterns.js';
import { detect } from './detect.js';

const NOW = new Date('2026-11-30T16:24:30.000Z');
const patterns = builtinPatterns('claude');
const INIT = '{"type":"system","subtype":"init","cwd":"/tmp/w/work","session_id":"s1","tools":["Bash"]}';
const HOOK = '{"type":"system","subtype":"hook_response","hook_event":"SessionStart","exit_code":0}';
const retry = (attempt: number, status: number | null, error: string) =>
  JSON.stringify({
    type: 'system',
    subtype: 'api_retry',
    attempt,
    max_retries: 10,
    retry_delay_ms: 1227.8,
    error_status: status,
    error,
    session_id: 's1',
  });
const look = (...lines: string[]) =>
  detect({ agent: 'claude', screen: lines.join('\n'), title: 'vm', now: NOW, patterns });

test('api_retry 401: auth_failed while claude is still retrying it', () => {
  const d = look(HOOK, INIT, retry(1, 401, 'authentication_failed'), retry(2, 401, 'authentication_failed'));
  assert.equal(d?.state, 'auth_failed');
  assert.equal(d?.reason, undefined);
  assert.equal(d?.evidence.pattern, 'stream-json');
  assert.match(d!.evidence.detail, /401 authentication_failed \(attempt 2\/10\)/);
});

test('api_retry 429: a throttle (a quota is not retried), not the usage limit', () => {
  const d = look(INIT, retry(1, 429, 'rate_limit'));
  assert.equal(d?.state, 'rate_limited');
  assert.equal(d?.reason, 'throttled');
});

test('api_retry 500 and 529: stalled on an API error', () => {
  for (const [status, error] of [
    [500, 'server_error'],
    [529, 'overloaded'],
  ] as const) {
    const d = look(INIT, retry(3, status, error));
    assert.equal(d?.state, 'stalled');
    assert.equal(d?.reason, 'api_error');
  }
});

test('api_retry with no status (connection refused): stalled on the network', () => {
  const d = look(INIT, retry(5, null, 'unknown'));
  assert.equal(d?.state, 'stalled');
  assert.equal(d?.reason, 'network');
});

test('a later stream event (the answer) means the retry is over', () => {
  const answer = '{"type":"assistant","message":{"content":[{"type":"text","text":"hello"}]}}';
  const d = look(INIT, retry(1, 500, 'server_error'), answer);
  assert.notEqual(d?.reason, 'api_error');
  assert.notEqual(d?.state, 'stalled');
});

test('a final error result on a limit keeps the reset of the rejected rate_limit_event above it', () => {
  const resetsAt = Date.parse('2026-11-30T18:38:00Z') / 1000;
  const limit = JSON.stringify({
    type: 'rate_limit_event',
    rate_limit_info: { status: 'rejected', resetsAt, rateLimitType: 'five_hour' },
  });
  const result = JSON.stringify({
    type: 'result',
    subtype: 'success',
    is_error: true,
    result: "You've hit your session limit · resets 6:38pm (UTC)",
  });
  const d = look(INIT, limit, result);
  assert.equal(d?.state, 'rate_limited');
  assert.equal(d?.reason, undefined);
  assert.equal(d?.resetAt, '2026-11-30T18:38:00.000Z');
});

test('a line cut at the top of the screen, or braces that are not JSON, are no events', () => {
  assert.equal(look('_ms":1064.0,"error_status":401,"error":"authentication_failed"}'), null);
  assert.equal(look('{ not json }'), null);
});
