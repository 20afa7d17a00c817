// Classifier over every captured screen (fixtures/cases.json names the expected state of each file),
// plus the trust-order and elapsed-time rules as a table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinPatterns } from '../agents/patterns.js';
import type { HookEvent } from '../agents/hookSink.js';
import { LOG_CLAIM_MS, detect, type DetectInput } from './detect.js';
import { progressKey } from './screen.js';

const FIXTURES = fileURLToPath(new URL('../../../../main/core/detect/fixtures/', import.meta.url));
const NOW = new Date('2026-11-21T10:00:00Z');

interface Case {
  file: string;
  title: string;
  expect: string;
  resetAt?: string;
  reason?: string;
  real: boolean;
}
const cases = (JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as { cases: Case[] }).cases;

test('every fixture screen has an expected state', () => {
  const files = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.txt'),
  );
  const named = new Set(cases.map((c) => c.file));
  assert.deepEqual(
    files.filter((f) => !named.has(f)),
    [],
  );
  assert.ok(cases.filter((c) => c.real).length >= 20, 'most fixtures are real captures');
});

for (const c of cases) {
  test(`${c.file} (${c.real ? 'real' : 'synthetic'}) -> ${c.expect}`, () => {
    const vendor = c.file.split('/')[0]!;
    const screen = readFileSync(join(FIXTURES, c.file), 'utf8');
    const d = detect({
      agent: vendor,
      screen,
      title: c.title,
      now: NOW,
      timeZone: 'UTC',
      patterns: builtinPatterns(vendor),
    });
    // `none`: nothing on the screen says a state (an answered question the output moved past).
    if (c.expect === 'none') return assert.equal(d, null, JSON.stringify(d));
    assert.ok(d, 'a state was detected');
    assert.equal(d.state, c.expect, `evidence: ${JSON.stringify(d.evidence)}`);
    assert.equal(d.resetAt, c.resetAt);
    if (c.reason) assert.equal(d.reason, c.reason);
    assert.ok(d.evidence.detail.length > 0 && !d.evidence.detail.includes('\n'));
    assert.doesNotMatch(d.evidence.detail, /^\s|\s$/);
  });
}

const hook = (event: string, extra: Partial<HookEvent> = {}): HookEvent => ({
  at: '2026-11-21T09:59:00.000Z',
  vendor: 'claude',
  event,
  ...extra,
});
const claude = builtinPatterns('claude');
const IDLE_SCREEN = '❯ hi\n● Hello!\n───\n❯ \n───\n  ? for shortcuts';
const base: DetectInput = { agent: 'claude', screen: IDLE_SCREEN, now: NOW, patterns: claude };
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

const rules: [string, Partial<DetectInput>, string | null, string?][] = [
  ['pane alone', {}, 'idle', 'pane'],
  ['hook beats pane', { hookEvents: [hook('UserPromptSubmit')] }, 'running', 'hook'],
  [
    'latest state-bearing hook wins',
    { hookEvents: [hook('PreToolUse'), hook('Stop'), hook('SessionEnd')] },
    'idle',
    'hook',
  ],
  [
    'permission notification = waiting',
    { hookEvents: [hook('Notification', { notificationType: 'permission_prompt' })] },
    'waiting',
    'hook',
  ],
  [
    'StopFailure rate_limit',
    { hookEvents: [hook('StopFailure', { error: 'rate_limit' })] },
    'rate_limited',
    'hook',
  ],
  [
    'StopFailure auth',
    { hookEvents: [hook('StopFailure', { error: 'authentication_failed' })] },
    'auth_failed',
    'hook',
  ],
  ['title beats pane', { title: '⠂ Fixing tests' }, 'running', 'title'],
  ['hook beats title', { title: '⠂ Fixing tests', hookEvents: [hook('Stop')] }, 'idle', 'hook'],
  [
    'screen limit beats a working hook',
    {
      screen: `${IDLE_SCREEN}\nYou've hit your session limit · resets 3pm`,
      hookEvents: [hook('PreToolUse')],
    },
    'rate_limited',
    'pane',
  ],
  ['idle is never stalled', { lastOutputAt: minutesAgo(60) }, 'idle', 'pane'],
  [
    'waiting is never stalled',
    { hookEvents: [hook('PermissionRequest')], lastOutputAt: minutesAgo(60) },
    'waiting',
    'hook',
  ],
  [
    'running and silent = stalled',
    { hookEvents: [hook('PreToolUse')], lastOutputAt: minutesAgo(12) },
    'stalled',
    'timer',
  ],
  [
    'running and recent output = running',
    { hookEvents: [hook('PreToolUse')], lastOutputAt: minutesAgo(2) },
    'running',
    'hook',
  ],
  [
    'spinner output without progress = stalled',
    { hookEvents: [hook('PreToolUse')], lastOutputAt: minutesAgo(0), lastProgressAt: minutesAgo(11) },
    'stalled',
    'timer',
  ],
  [
    'threshold is configurable',
    { hookEvents: [hook('PreToolUse')], lastOutputAt: minutesAgo(2), stallAfterMs: 60_000 },
    'stalled',
    'timer',
  ],
  [
    'nothing known and quiet = stalled',
    { screen: 'some output', lastOutputAt: minutesAgo(30) },
    'stalled',
    'timer',
  ],
  ['nothing known = null', { screen: 'some output', lastOutputAt: minutesAgo(1) }, null],
];
for (const [name, over, state, source] of rules) {
  test(`rule: ${name}`, () => {
    const d = detect({ ...base, ...over });
    assert.equal(d?.state ?? null, state, JSON.stringify(d));
    if (source) assert.equal(d?.evidence.source, source);
  });
}

test('stalled evidence names the age', () => {
  const d = detect({ ...base, screen: 'x', lastOutputAt: minutesAgo(12) });
  assert.equal(d?.evidence.detail, 'no output for 12m');
});

test('a real hook trail from claude (not logged in) classifies as auth_failed', () => {
  const lines = readFileSync(join(FIXTURES, 'hooks', 'claude-not-logged-in.jsonl'), 'utf8')
    .trim()
    .split('\n');
  const events = lines.map((l) => JSON.parse(l) as HookEvent);
  const d = detect({ ...base, hookEvents: events });
  assert.equal(d?.state, 'auth_failed');
  assert.equal(d?.evidence.detail, 'StopFailure (authentication_failed)');
});

test('progressKey ignores spinners and timers, not content', () => {
  const a = '⠋ Thinking... (esc to cancel, 10s)\nhello';
  const b = '⠼ Thinking... (esc to cancel, 30s)\nhello';
  assert.equal(progressKey(a), progressKey(b));
  assert.notEqual(progressKey(a), progressKey(`${a}\nnew line of output`));
  // copilot's busy line, two frames of the same retry (conformance captures, copilot 1.0.102)
  const c1 = ' ❯ Say hello.   13:50\n ◉ Working esc esc interrupt    gpt-4.1';
  const c2 = ' ❯ Say hello.   13:50\n ◎ Working esc esc interrupt    gpt-4.1';
  const c3 = ' ❯ Say hello.   13:50\n ○ Working esc esc interrupt    gpt-4.1';
  assert.equal(progressKey(c1), progressKey(c2));
  assert.equal(progressKey(c1), progressKey(c3));
  assert.notEqual(progressKey(c1), progressKey(` ❯ Say hello.   13:50\n ● Hello there.\n ◉ Working`));
});

test('a vendor log’s failed request speaks while the CLI retries in silence, and no longer', () => {
  // copilot 1.0.102 over a 429: "Working" on the screen, the failure only in its log
  const screen =
    ' ❯ Say hello.                                  13:50\n ◉ Working esc esc interrupt   gpt-4.1';
  const retry = (at: Date, error: string): HookEvent => ({
    at: at.toISOString(),
    vendor: 'copilot',
    event: 'ApiRetry',
    source: 'log',
    error,
    message: 'model request failed',
  });
  const input = (events: HookEvent[], extra: Partial<DetectInput> = {}): DetectInput => ({
    agent: 'copilot',
    screen,
    now: NOW,
    hookEvents: events,
    patterns: builtinPatterns('copilot'),
    ...extra,
  });
  const ago = (ms: number) => new Date(NOW.getTime() - ms);
  const seen = (d: ReturnType<typeof detect>) => `${d?.state}${d?.reason ? `(${d.reason})` : ''}`;

  assert.equal(seen(detect(input([retry(ago(5_000), 'throttled')]))), 'rate_limited(throttled)');
  assert.equal(seen(detect(input([retry(ago(5_000), 'rate_limit')]))), 'rate_limited');
  assert.equal(seen(detect(input([retry(ago(5_000), 'authentication_failed')]))), 'auth_failed');
  assert.equal(seen(detect(input([retry(ago(5_000), 'api_error')]))), 'stalled(api_error)');
  assert.equal(seen(detect(input([retry(ago(5_000), 'network')]))), 'stalled(network)');
  const d = detect(input([retry(ago(5_000), 'api_error')]));
  assert.equal(d?.evidence.source, 'log');
  assert.equal(d?.evidence.detail, 'copilot log: model request failed');

  // No failure logged for longer than a retry takes: the retry went through.
  assert.equal(seen(detect(input([retry(ago(LOG_CLAIM_MS + 1_000), 'throttled')]))), 'running');
  // The screen moved on after the failure (an answer drawn): the retry went through.
  assert.equal(
    seen(detect(input([retry(ago(20_000), 'throttled')], { lastProgressAt: ago(5_000) }))),
    'running',
  );
  // The failure is newer than the last progress: it stands.
  assert.equal(
    seen(detect(input([retry(ago(5_000), 'throttled')], { lastProgressAt: ago(20_000) }))),
    'rate_limited(throttled)',
  );
  // The screen names an error less well than the log: copilot over a refused connection prints
  // "interrupted due to a server error"; its log says transport (the network).
  const misworded = `${screen.split('\n')[0]}\n ● Response was interrupted due to a server error. Retrying...\n ◉ Working esc esc interrupt`;
  assert.equal(seen(detect(input([], { screen: misworded }))), 'stalled(api_error)');
  assert.equal(
    seen(detect(input([retry(ago(3_000), 'network')], { screen: misworded }))),
    'stalled(network)',
  );
  // gemini: a successful response after the failure is work again.
  const ok: HookEvent = {
    at: ago(1_000).toISOString(),
    vendor: 'gemini',
    event: 'ApiResponse',
    source: 'log',
  };
  assert.equal(seen(detect(input([retry(ago(5_000), 'api_error'), ok]))), 'running');
});

test('claude’s debug log names the error under its one "API error · Retrying" line, and says nothing alone', () => {
  // claude 2.1.197 draws the same retry line over a 401, a 429 and a 529
  const retrying = [
    ' ▎ Debug mode enabled · logging to /tmp/run/hooks/claude-debug.log',
    '',
    '❯ Say hello.',
    '',
    '✻ API error · Retrying in 9s · attempt 6/10',
    '',
    '────────────────────────────────────────',
    '❯ ',
    '────────────────────────────────────────',
    '  esc to interrupt · ← for agents',
  ].join('\n');
  const failed = (at: Date, error: string): HookEvent => ({
    at: at.toISOString(),
    vendor: 'claude',
    event: 'ApiError',
    source: 'log',
    error,
    message: 'model request failed (attempt 6): HTTP 401: invalid x-api-key',
  });
  const ago = (ms: number) => new Date(NOW.getTime() - ms);
  const input = (screen: string, events: HookEvent[], extra: Partial<DetectInput> = {}): DetectInput => ({
    agent: 'claude',
    screen,
    now: NOW,
    hookEvents: events,
    patterns: builtinPatterns('claude'),
    ...extra,
  });
  const seen = (d: ReturnType<typeof detect>) => `${d?.state}${d?.reason ? `(${d.reason})` : ''}`;

  assert.equal(seen(detect(input(retrying, []))), 'stalled(api_error)');
  const auth = detect(input(retrying, [failed(ago(3_000), 'authentication_failed')]));
  assert.equal(seen(auth), 'auth_failed');
  assert.equal(auth?.evidence.source, 'log');
  assert.equal(
    auth?.evidence.detail,
    'claude log: model request failed (attempt 6): HTTP 401: invalid x-api-key',
  );
  assert.equal(seen(detect(input(retrying, [failed(ago(3_000), 'throttled')]))), 'rate_limited(throttled)');
  assert.equal(seen(detect(input(retrying, [failed(ago(3_000), 'api_error')]))), 'stalled(api_error)');
  assert.equal(seen(detect(input(retrying, [failed(ago(3_000), 'network')]))), 'stalled(network)');
  // Older than a retry takes: the screen's own words again.
  assert.equal(
    seen(detect(input(retrying, [failed(ago(LOG_CLAIM_MS + 1_000), 'authentication_failed')]))),
    'stalled(api_error)',
  );
  // Alone it claims nothing: a side request of a working claude failed (its title), or a quota it
  // does not retry, whose own screen says more.
  const working = '❯ Say hello.\n\n✻ Thinking… (esc to interrupt)\n';
  assert.equal(seen(detect(input(working, [failed(ago(3_000), 'authentication_failed')]))), 'running');
  const quota = [
    '❯ Say hello.',
    "● API Error: Request rejected (429) · This request would exceed your account's rate limit.",
    '  Please try again later.',
    '✻ Churned for 3s',
    '❯ ',
  ].join('\n');
  assert.equal(seen(detect(input(quota, [failed(ago(3_000), 'throttled')]))), seen(detect(input(quota, []))));
});

test('claude’s retry line is a blocker whatever its words; a more specific category on it wins', () => {
  // claude's tenth attempt prints the API's own words before "· Retrying in"
  const at = (line: string) =>
    ['❯ Say hello.', '', line, '', '────────', '❯ ', '────────', '  esc to interrupt · ← for agents'].join(
      '\n',
    );
  const seen = (screen: string, events: HookEvent[] = []) => {
    const d = detect({
      agent: 'claude',
      screen,
      now: NOW,
      hookEvents: events,
      patterns: builtinPatterns('claude'),
    });
    return `${d?.state}${d?.reason ? `(${d.reason})` : ''}`;
  };
  const logged = (error: string): HookEvent => ({
    at: new Date(NOW.getTime() - 2_000).toISOString(),
    vendor: 'claude',
    event: 'ApiError',
    source: 'log',
    error,
    message: 'model request failed',
  });
  const quota429 =
    '✻ 429 Number of request tokens has exceeded your per-minute rate limit; see the response headers · Retrying in 31s · attempt 10/10';
  assert.equal(seen(at(quota429)), 'stalled(api_error)'); // was `running`: no pattern knew the words
  assert.equal(seen(at(quota429), [logged('throttled')]), 'rate_limited(throttled)');
  assert.equal(seen(at('✻ 401 invalid x-api-key · Retrying in 31s · attempt 10/10')), 'auth_failed');
  assert.equal(seen(at('✻ 529 Overloaded · Retrying in 20s · attempt 9/10')), 'stalled(api_error)');
  // "Unable to connect" and the generic retry words on one line: the network, not an API error
  assert.equal(
    seen(at('✻ Unable to connect to API (ConnectionRefused) · Retrying in 8s · attempt 6/10')),
    'stalled(network)',
  );
});
