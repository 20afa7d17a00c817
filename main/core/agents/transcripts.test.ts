// Codex rollouts as a transcript source. The first fixture is a real rollout written by codex 0.169
// offline (session_meta trimmed, cwd replaced); the approval, usage-limit and error lines follow
// codex's event_msg shape and are synthetic: they cannot be provoked without its API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codexEvent, findTranscript, readTranscript } from './transcripts.js';

const here = dirname(fileURLToPath(import.meta.url));
const REAL = readFileSync(
  join(here, '..', '..', '..', '..', 'main', 'core', 'agents', 'fixtures', 'codex-rollout-real.jsonl'),
  'utf8',
);
const ev = (type: string, extra: object = {}) =>
  JSON.stringify({ timestamp: '2026-11-21T13:00:50.000Z', type: 'event_msg', payload: { type, ...extra } });

const cases: [string, string, string | null, string | null][] = [
  ['real task_started', REAL.split('\n')[1]!, 'UserPromptSubmit', null],
  ['real session_meta says nothing', REAL.split('\n')[0]!, null, null],
  [
    'exec approval',
    ev('exec_approval_request', { command: ['rm', '-rf', 'build'], reason: 'needs approval' }),
    'PermissionRequest',
    null,
  ],
  ['patch approval', ev('apply_patch_approval_request'), 'PermissionRequest', null],
  ['turn complete', ev('task_complete'), 'agent-turn-complete', null],
  [
    'usage limit error',
    ev('error', { message: "You've hit your usage limit. Try again in 2 hours." }),
    'StopFailure',
    'rate_limit',
  ],
  [
    'auth error',
    ev('error', { message: 'unexpected status 401 Unauthorized' }),
    'StopFailure',
    'authentication_failed',
  ],
  [
    'other errors are left to the screen',
    ev('stream_error', { message: 'stream disconnected, retrying 2/5' }),
    null,
    null,
  ],
  [
    'usage at 40%: nothing',
    ev('token_count', { rate_limits: { primary: { used_percent: 40, resets_in_seconds: 100 } } }),
    null,
    null,
  ],
  [
    'usage at 100%: limited',
    ev('token_count', { rate_limits: { primary: { used_percent: 100, resets_in_seconds: 3600 } } }),
    'StopFailure',
    'rate_limit',
  ],
  ['a torn line', '{"timestamp":"2026', null, null],
  // A 429 is the server limiting requests, not the account's usage limit: a throttle.
  [
    '429 error',
    ev('error', { message: 'exceeded retry limit, last status: 429 Too Many Requests' }),
    'StopFailure',
    'throttled',
  ],
  // task_complete of a failed turn names the error (codex 0.169, real shape from the conformance captures).
  [
    'turn ended on the usage limit',
    ev('task_complete', {
      last_agent_message: null,
      error: {
        message: 'You’ve hit your usage limit. … try again at 7:08 PM.',
        codex_error_info: 'usage_limit_exceeded',
      },
    }),
    'StopFailure',
    'rate_limit',
  ],
  [
    'turn ended on a lost login',
    ev('task_complete', { error: { message: 'refresh token expired', codex_error_info: 'unauthorized' } }),
    'StopFailure',
    'authentication_failed',
  ],
  [
    'turn ended after retries of a 429',
    ev('task_complete', {
      error: {
        message: 'x',
        codex_error_info: { response_too_many_failed_attempts: { http_status_code: 429 } },
      },
    }),
    'StopFailure',
    'throttled',
  ],
  [
    'turn ended after retries of a 503',
    ev('task_complete', {
      error: {
        message: 'x',
        codex_error_info: { response_too_many_failed_attempts: { http_status_code: 503 } },
      },
    }),
    'StopFailure',
    'api_error',
  ],
  [
    'turn ended with no answer at all',
    ev('task_complete', { error: { message: 'x', codex_error_info: 'response_stream_connection_failed' } }),
    'StopFailure',
    'network',
  ],
  [
    'turn ended on the server being overloaded',
    ev('task_complete', { error: { codex_error_info: 'server_overloaded' } }),
    'StopFailure',
    'api_error',
  ],
  [
    'a clean turn end',
    ev('task_complete', { error: null, last_agent_message: 'hi' }),
    'agent-turn-complete',
    null,
  ],
];

for (const [what, line, event, error] of cases) {
  test(`codexEvent: ${what}`, () => {
    const e = codexEvent(line);
    assert.equal(e?.event ?? null, event);
    assert.equal(e?.error ?? null, error);
    if (e) assert.equal(e.source, 'transcript');
  });
}

test('a usage limit from token_count carries its reset time', () => {
  const e = codexEvent(
    ev('token_count', { rate_limits: { primary: { used_percent: 100, resets_in_seconds: 3600 } } }),
  );
  assert.equal(e?.resetAt, '2026-11-21T14:00:50.000Z');
  const abs = codexEvent(
    ev('token_count', { rate_limits: { secondary: { used_percent: 100.0, resets_at: 1795270000 } } }),
  );
  assert.equal(abs?.resetAt, new Date(1795270000 * 1000).toISOString());
});

test('findTranscript finds the rollout of this repo since the run started, and the tail reads only new lines', async () => {
  const home = mkdtempSync(join(tmpdir(), 'wc-tr-'));
  try {
    const day = join(home, '.codex', 'sessions', '2026', '11', '21');
    mkdirSync(day, { recursive: true });
    const mine = join(day, 'rollout-2026-11-21T13-00-46-01a1fe31.jsonl');
    writeFileSync(mine, REAL.replace(/\/REPO/g, '/work/repo'));
    writeFileSync(
      join(day, 'rollout-2026-11-21T13-00-47-other.jsonl'),
      REAL.replace(/\/REPO/g, '/elsewhere'),
    );
    // A pinned clock in local time (codex names its day folders in local time): no dependence on today
    // or on the machine's time zone.
    const since = new Date(2026, 10, 21, 13, 0, 40);
    const now = new Date(2026, 10, 21, 13, 5, 0);
    for (const f of readdirSync(day)) utimesSync(join(day, f), now, new Date(since.getTime() + 10_000));
    assert.equal(await findTranscript('codex', { cwd: '/work/repo', since, home, now }), mine);
    assert.equal(await findTranscript('codex', { cwd: '/nowhere', since, home, now }), null);
    assert.equal(await findTranscript('claude', { cwd: '/work/repo', since, home, now }), null);
    const first = await readTranscript('codex', mine, 0);
    assert.deepEqual(
      first.events.map((e) => e.event),
      ['UserPromptSubmit'],
    );
    appendFileSync(mine, `${ev('exec_approval_request')}\n${'{"partial'}`);
    const next = await readTranscript('codex', mine, first.nextOffset);
    assert.deepEqual(
      next.events.map((e) => e.event),
      ['PermissionRequest'],
    );
    // A line longer than one read window is skipped, not a tail stuck forever.
    appendFileSync(mine, `": "${'x'.repeat(600 * 1024)}"}\n${ev('task_complete')}\n`);
    let off = next.nextOffset;
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await readTranscript('codex', mine, off);
      seen.push(...r.events.map((e) => e.event));
      off = r.nextOffset;
    }
    assert.deepEqual(seen, ['agent-turn-complete']);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
