// The conformance mock over real HTTP on 127.0.0.1: each wire streams an answer, calls a tool the
// request declared, and answers each error scenario with the vendor's real status, headers and body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockApi, closedPort, ANSWER_TEXT, type Scenario } from './mockApi.js';
import { MARKER_COMMAND } from './mockTools.js';

const RESET = 1_795_000_000;
const NOW = RESET - 3_600;

async function call(scenario: Scenario, path: string, body: unknown) {
  const mock = await startMockApi({ scenario, resetAt: RESET, now: () => NOW * 1000 });
  try {
    const r = await fetch(`${mock.url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    return { status: r.status, headers: r.headers, text: await r.text(), events: mock.events };
  } finally {
    await mock.close();
  }
}

const anthropicTools = {
  stream: true,
  tools: [
    {
      name: 'Bash',
      input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
    },
  ],
};

test('every wire streams the answer text', async () => {
  const cases: [string, unknown][] = [
    ['/v1/messages', { stream: true }],
    ['/v1/responses', { stream: true }],
    ['/v1/chat/completions', { stream: true }],
    ['/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', {}],
  ];
  for (const [path, body] of cases) {
    const r = await call('text', path, body);
    assert.equal(r.status, 200, path);
    const text = [...r.text.matchAll(/"(?:text|delta|content)":"([^"]*)"/g)].map((m) => m[1]).join('');
    assert.ok(text.includes(ANSWER_TEXT), `${path}: ${text}`);
    assert.equal(r.events[0]!.action, 'text');
  }
});

test('the permission scenario calls the shell tool the request declared, once', async () => {
  const r = await call('permission', '/v1/messages', { ...anthropicTools, messages: [] });
  assert.match(r.text, /"type":"tool_use","id":"call_mock_1","name":"Bash"/);
  assert.ok(r.text.includes(JSON.stringify(JSON.stringify({ command: MARKER_COMMAND })).slice(1, -1)));
  const after = await call('permission', '/v1/messages', {
    ...anthropicTools,
    messages: [
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_mock_1', content: 'denied' }] },
    ],
  });
  assert.doesNotMatch(after.text, /tool_use/);
  assert.equal(after.events[0]!.toolResult, true);
});

test('usage limits carry the vendor reset: Anthropic unified headers, codex resets_at, Gemini retryDelay', async () => {
  const a = await call('usage_limit', '/v1/messages', anthropicTools);
  assert.equal(a.status, 429);
  assert.equal(a.headers.get('anthropic-ratelimit-unified-status'), 'rejected');
  assert.equal(a.headers.get('anthropic-ratelimit-unified-reset'), String(RESET));
  assert.equal(a.headers.get('retry-after'), '3600');
  assert.equal(JSON.parse(a.text).error.type, 'rate_limit_error');
  const o = await call('usage_limit', '/v1/responses', {});
  assert.deepEqual(
    [o.status, JSON.parse(o.text).error.type, JSON.parse(o.text).error.resets_at],
    [429, 'usage_limit_reached', RESET],
  );
  const g = await call('usage_limit', '/v1beta/models/m:streamGenerateContent?alt=sse', {});
  const ge = JSON.parse(g.text).error;
  assert.deepEqual([g.status, ge.status], [429, 'RESOURCE_EXHAUSTED']);
  assert.equal(ge.details.find((d: { retryDelay?: string }) => d.retryDelay).retryDelay, '3600s');
});

test('errors keep the vendor status codes', async () => {
  const cases: [Scenario, string, number][] = [
    ['auth_401', '/v1/messages', 401],
    ['overloaded', '/v1/messages', 529],
    ['server_500', '/v1/chat/completions', 500],
    ['auth_401', '/v1beta/models/m:generateContent', 400], // Gemini: API_KEY_INVALID is a 400
    ['overloaded', '/v1beta/models/m:generateContent', 503],
    ['plain_429', '/v1/responses', 429],
  ];
  for (const [scenario, path, status] of cases) {
    const r = await call(scenario, path, {});
    assert.equal(r.status, status, `${scenario} ${path}`);
    assert.deepEqual([r.events[0]!.action, r.events[0]!.status], ['error', status]);
  }
});

test('expired_oauth: each vendor says the token expired, and the refresh and Code Assist setup fail too', async () => {
  const a = await call('expired_oauth', '/v1/messages', {});
  assert.equal(a.status, 401);
  assert.match(JSON.parse(a.text).error.message, /OAuth token has expired/);
  const o = await call('expired_oauth', '/v1/responses', {});
  assert.deepEqual([o.status, JSON.parse(o.text).error.code], [401, 'token_expired']);
  const r = await call('expired_oauth', '/oauth/token', {});
  assert.deepEqual([r.status, JSON.parse(r.text).error.code], [401, 'refresh_token_expired']);
  const g = await call('expired_oauth', '/v1internal:loadCodeAssist', {});
  assert.deepEqual([g.status, JSON.parse(g.text).error.status], [401, 'UNAUTHENTICATED']);
  assert.deepEqual([g.events[0]!.action, g.events[0]!.status], ['error', 401]);
  const acct = await call('expired_oauth', '/backend-api/wham/accounts/check', {});
  assert.deepEqual([acct.status, JSON.parse(acct.text).error.code], [401, 'token_expired']);
  // Outside that scenario an unknown path is still a logged 404.
  assert.equal((await call('auth_401', '/oauth/token', {})).status, 404);
});

test('hang never answers; refused has nothing listening', async () => {
  const mock = await startMockApi({ scenario: 'hang', resetAt: RESET });
  try {
    const ac = new AbortController();
    const pending = fetch(`${mock.url}/v1/messages`, { method: 'POST', body: '{}', signal: ac.signal });
    const outcome = await Promise.race([
      pending.then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('silent'), 300)),
    ]);
    ac.abort();
    await pending.catch(() => 'aborted');
    assert.equal(outcome, 'silent');
    assert.equal(mock.events[0]!.action, 'hang');
  } finally {
    await mock.close();
  }
  const port = await closedPort();
  await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/messages`, { method: 'POST', body: '{}' }));
});
