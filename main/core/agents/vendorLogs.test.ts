// Vendor logs: the lines and records copilot 1.0.102, gemini-cli 0.61.0 and claude-code 2.1.197 wrote against the
// conformance mock (copied from their run dirs), read as the supervisor reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLAUDE_DEBUG_FILE,
  COPILOT_LOG_DIR,
  claudeDebugEvent,
  GEMINI_TELEMETRY_FILE,
  copilotLogEvent,
  findVendorLog,
  geminiTelemetryEvent,
  readVendorLog,
  splitRecords,
} from './vendorLogs.js';

const failed = (fields: object) =>
  `2026-12-01T06:16:38.890Z [WARNING] [rust:model_events::producer] Model provider request failed ${JSON.stringify(fields)}`;

test('copilot: each failed model request, by kind; other lines mean nothing', () => {
  const cases: [object, string, RegExp][] = [
    [
      { stage: 'inference', http_status: 429, failure_kind: 'http_error', retry_after_ms: 20000 },
      'throttled',
      /HTTP 429, retry in 20s/,
    ],
    // codex's usage_limit_reached body: a bare 429, nothing said about when to come back
    [{ stage: 'inference', http_status: 429, failure_kind: 'http_error' }, 'rate_limit', /HTTP 429$/],
    [
      { http_status: 401, failure_kind: 'http_error', error_type: 'invalid_request_error' },
      'authentication_failed',
      /401/,
    ],
    [{ http_status: 500, failure_kind: 'http_error' }, 'api_error', /HTTP 500/],
    [{ http_status: 503, failure_kind: 'http_error' }, 'api_error', /HTTP 503/],
    [{ stage: 'inference', failure_kind: 'transport' }, 'network', /transport/],
  ];
  for (const [fields, kind, message] of cases) {
    const e = copilotLogEvent(failed(fields));
    assert.equal(e?.event, 'ApiRetry', JSON.stringify(fields));
    assert.equal(e?.error, kind, JSON.stringify(fields));
    assert.equal(e?.source, 'log');
    assert.equal(e?.at, '2026-12-01T06:16:38.890Z');
    assert.match(e?.message ?? '', message);
  }
  for (const line of [
    '2026-12-01T06:16:36.950Z [INFO] Starting Copilot CLI: 1.0.102',
    failed({ http_status: 429 }).slice(0, -5), // torn
    'not a date [WARNING] [rust:x] Model provider request failed {}',
    '',
  ])
    assert.equal(copilotLogEvent(line), null, line);
});

test('claude: each failed request by kind, from its debug log; its other errors mean nothing', () => {
  const at = '2026-12-01T10:13:35.621Z';
  const line = (rest: string) => `${at} [ERROR] API error (attempt 2/11): ${rest}`;
  const body = (type: string, message: string) =>
    JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_011CMockConformance' });
  const cases: [string, string, RegExp][] = [
    [
      line(`401 401 ${body('authentication_error', 'invalid x-api-key')}`),
      'authentication_failed',
      /attempt 2\): HTTP 401: invalid x-api-key$/,
    ],
    [line(`403 403 ${body('permission_error', 'OAuth token revoked')}`), 'authentication_failed', /HTTP 403/],
    [
      line(
        `429 429 ${body('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit; try again later.')}`,
      ),
      'throttled',
      /HTTP 429: Number of request tokens/,
    ],
    [line(`529 529 ${body('overloaded_error', 'Overloaded')}`), 'api_error', /HTTP 529: Overloaded/],
    [line(`500 500 ${body('api_error', 'Internal server error')}`), 'api_error', /HTTP 500/],
    [line('undefined Connection error.'), 'network', /attempt 2\): Connection error\.$/],
    [line('Request timed out.'), 'network', /timed out/],
  ];
  for (const [l, kind, message] of cases) {
    const e = claudeDebugEvent(l);
    assert.equal(e?.event, 'ApiError', l);
    assert.equal(e?.error, kind, l);
    assert.equal(e?.source, 'log');
    assert.equal(e?.vendor, 'claude');
    assert.equal(e?.at, at);
    assert.match(e?.message ?? '', message, l);
  }
  for (const l of [
    `${at} [ERROR] HTTPS git clone failed for marketplace anthropics/claude-plugins-official: Failed to clone`,
    'Original error: Cloning into ...', // a record's continuation line
    `${at} [DEBUG] API error (attempt 1/11): 401 401 {}`, // not an error-level record
    'yesterday [ERROR] API error (attempt 1/11): 401 401 {}',
    '',
  ])
    assert.equal(claudeDebugEvent(l), null, l);
});

// A record as gemini writes it: pretty-printed, with the resource and SDK fields around the attributes.
const record = (attributes: object) =>
  JSON.stringify(
    {
      hrTime: [1796106044, 898000000],
      resource: {
        _rawAttributes: [
          ['service.name', 'gemini-cli'],
          ['process.pid', 17296],
        ],
      },
      instrumentationScope: { name: 'gemini-cli' },
      attributes: { 'session.id': 'c0b85048', interactive: true, ...attributes },
      _body: 'API error.',
    },
    null,
    2,
  );
const apiError = (status: number | undefined, message: string) =>
  record({
    'event.name': 'gemini_cli.api_error',
    'event.timestamp': '2026-12-01T06:20:46.734Z',
    'error.message': message,
    ...(status === undefined ? {} : { status_code: status }),
    role: 'main',
  });
const googleError = (code: number, status: string, message: string, quotaId?: string) =>
  JSON.stringify({
    error: {
      code,
      message,
      status,
      details: quotaId
        ? [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId }] }]
        : [],
    },
  });

test('gemini: api errors by kind, retries, and a successful response; metrics and config mean nothing', () => {
  const quota = 'You exceeded your current quota, please check your plan and billing details.';
  const cases: [string, string | undefined, RegExp][] = [
    [
      apiError(500, googleError(500, 'INTERNAL', 'Internal error')),
      'api_error',
      /^model request failed: HTTP 500: Internal error/,
    ],
    [apiError(503, googleError(503, 'UNAVAILABLE', 'The model is overloaded.')), 'api_error', /overloaded/],
    [apiError(undefined, 'exception TypeError: fetch failed sending request'), 'network', /fetch failed/],
    [
      apiError(
        429,
        googleError(429, 'RESOURCE_EXHAUSTED', quota, 'GenerateRequestsPerDayPerProjectPerModel-FreeTier'),
      ),
      'rate_limit',
      /exceeded your current quota/,
    ],
    [
      apiError(
        429,
        googleError(429, 'RESOURCE_EXHAUSTED', quota, 'GenerateContentInputTokensPerModelPerMinute-FreeTier'),
      ),
      'throttled',
      /429/,
    ],
    [
      apiError(400, googleError(400, 'INVALID_ARGUMENT', 'API key not valid.') + ' API_KEY_INVALID'),
      'authentication_failed',
      /API key not valid/,
    ],
    [
      record({
        'event.name': 'gemini_cli.network_retry_attempt',
        'event.timestamp': '2026-12-01T06:20:46.791Z',
        attempt: 2,
        max_attempts: 5,
        error_type: 'ECONNRESET',
      }),
      'network',
      /retry 2\/5: ECONNRESET/,
    ],
    [
      record({
        'event.name': 'gemini_cli.network_retry_attempt',
        'event.timestamp': '2026-12-01T06:20:46.791Z',
        attempt: 1,
        max_attempts: 5,
        error_type: 'FETCH_FAILED',
      }),
      'network',
      /retry 1\/5: FETCH_FAILED/,
    ],
  ];
  for (const [rec, kind, message] of cases) {
    const e = geminiTelemetryEvent(rec);
    assert.equal(e?.event, 'ApiRetry', rec.slice(0, 300));
    assert.equal(e?.error, kind, rec.slice(0, 600));
    assert.match(e?.message ?? '', message);
    // the compact form the conformance fixtures keep reads the same
    const compact = JSON.stringify({ attributes: (JSON.parse(rec) as { attributes: object }).attributes });
    assert.deepEqual(geminiTelemetryEvent(compact), e);
  }
  const ok = geminiTelemetryEvent(
    record({
      'event.name': 'gemini_cli.api_response',
      'event.timestamp': '2026-12-01T06:20:24.484Z',
      status_code: 200,
    }),
  );
  assert.deepEqual(ok, {
    at: '2026-12-01T06:20:24.484Z',
    vendor: 'gemini',
    source: 'log',
    event: 'ApiResponse',
  });
  for (const rec of [
    record({ 'event.name': 'gemini_cli.config', 'event.timestamp': '2026-12-01T06:20:44.896Z' }),
    record({ 'event.name': 'gemini_cli.api_request', 'event.timestamp': '2026-12-01T06:20:44.896Z' }),
    JSON.stringify({ descriptor: { name: 'gemini_cli.api.request.count' }, dataPoints: [] }, null, 2),
    apiError(500, 'x').slice(0, 200), // cut
    // a retry of a 429 or a 5xx: the api_error record before it names the kind
    record({
      'event.name': 'gemini_cli.network_retry_attempt',
      'event.timestamp': '2026-12-01T06:27:49.578Z',
      error_type: 'QUOTA_EXCEEDED',
    }),
    record({
      'event.name': 'gemini_cli.network_retry_attempt',
      'event.timestamp': '2026-12-01T06:27:49.578Z',
      error_type: 'SERVER_ERROR',
    }),
  ])
    assert.equal(geminiTelemetryEvent(rec), null, rec.slice(0, 200));
});

test('splitRecords: whole lines / whole records only; the unfinished one is left for the next read', () => {
  const r1 = record({ 'event.name': 'gemini_cli.config' });
  const r2 = apiError(500, 'boom');
  const text = `${r1}\n${r2}\n${r1.slice(0, 40)}`;
  const g = splitRecords('gemini', text);
  assert.deepEqual(g.records, [r1, r2]);
  assert.equal(g.used, r1.length + r2.length + 2);
  const c = splitRecords('copilot', 'one\ntwo\nthr');
  assert.deepEqual(c, { records: ['one', 'two'], used: 8 });
  assert.deepEqual(splitRecords('gemini', '{\n  "a": 1'), { records: [], used: 0 });
});

test('readVendorLog: a real file read as it grows; gemini telemetry emptied past the cap, then read on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wcvl-'));
  try {
    const runDir = join(dir, 'run');
    mkdirSync(join(runDir, 'hooks'), { recursive: true });
    assert.equal(await findVendorLog('gemini', runDir), null);
    const file = join(runDir, 'hooks', GEMINI_TELEMETRY_FILE);
    const fail = apiError(500, googleError(500, 'INTERNAL', 'Internal error'));
    const cut = Math.floor(fail.length / 2);
    writeFileSync(file, `${record({ 'event.name': 'gemini_cli.config' })}\n${fail.slice(0, cut)}`);
    assert.equal(await findVendorLog('gemini', runDir), file);
    const first = await readVendorLog('gemini', file, 0, { cap: 1e9 });
    assert.deepEqual(first.events, []);
    assert.ok(first.nextOffset > 0, 'the finished record was read past');
    appendFileSync(file, `${fail.slice(cut)}\n`);
    const second = await readVendorLog('gemini', file, first.nextOffset, { cap: 1e9 });
    assert.equal(second.events.length, 1);
    assert.equal(second.events[0]!.error, 'api_error');
    assert.equal(second.nextOffset, statSync(file).size);

    // Past the cap and read to its end: emptied, and what gemini appends next is read from 0.
    const third = await readVendorLog('gemini', file, 0, { cap: 100 });
    assert.equal(third.events.length, 1);
    assert.equal(third.nextOffset, 0);
    assert.equal(statSync(file).size, 0);
    appendFileSync(file, `${apiError(undefined, 'fetch failed')}\n`);
    const fourth = await readVendorLog('gemini', file, third.nextOffset);
    assert.deepEqual(
      fourth.events.map((e) => e.error),
      ['network'],
    );
    // An offset past a file that shrank (emptied by hand) reads it from its start.
    writeFileSync(file, `${fail}\n`);
    assert.equal((await readVendorLog('gemini', file, 1_000_000)).events.length, 1);
    assert.deepEqual(await readVendorLog('gemini', join(dir, 'gone'), 5), { events: [], nextOffset: 5 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findVendorLog: copilot’s newest process log (a resumed pass starts a new one), claude’s debug log; other agents none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wcvl-'));
  try {
    const logs = join(dir, 'hooks', COPILOT_LOG_DIR);
    assert.equal(await findVendorLog('copilot', dir), null);
    mkdirSync(logs, { recursive: true });
    const old = join(logs, 'process-1796105796771-10990.log');
    const fresh = join(logs, 'process-1796106077757-18231.log');
    writeFileSync(old, 'a\n');
    writeFileSync(fresh, 'b\n');
    writeFileSync(join(logs, '.copilot-log.lock'), '');
    utimesSync(old, new Date(2_000_000_000_000), new Date(2_000_000_000_000));
    utimesSync(fresh, new Date(2_000_000_100_000), new Date(2_000_000_100_000));
    assert.equal(await findVendorLog('copilot', dir), fresh);
    assert.equal(await findVendorLog('claude', dir), null);
    writeFileSync(join(dir, 'hooks', CLAUDE_DEBUG_FILE), '');
    assert.equal(await findVendorLog('claude', dir), join(dir, 'hooks', CLAUDE_DEBUG_FILE));
    assert.equal(await findVendorLog('codex', dir), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
