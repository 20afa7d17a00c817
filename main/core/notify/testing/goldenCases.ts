// The golden cases of the notification text (format.golden.test.ts), shared with the desktop app's
// bubble test (main/app/notificationPolicy.test.ts), which must show the same words.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateChange } from '../../../common/notify.js';
import type { FormatContext } from '../format.js';

/** The golden files in the source tree, from dist/main/core/notify/testing (tests run compiled). */
export const GOLDEN_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  ...['..', '..', '..', '..', '..', 'main', 'core', 'notify', 'fixtures', 'golden'],
);

// 2026-11-30 13:10 UTC = 8:10 am in New York: a reset at 15:00 UTC reads "10:00 am, in 1 h 50 m".
export const NOW = Date.parse('2026-11-30T13:10:00Z');
export const CTX: FormatContext = {
  now: NOW,
  timeZone: 'America/New_York',
  dashboard: 'http://127.0.0.1:47123',
};
const at = '2026-11-30T13:09:30Z';
const base = {
  name: 'fix-login',
  from: 'running' as const,
  at,
  repo: '/home/dev/app',
  startedAt: '2026-11-30T12:05:00Z',
};

const CLAUDE_QUESTION = [
  '╭───────────────────────────────────────────────────────────────╮',
  '│ Bash command                                                  │',
  '│   rm -rf build && npm run build                               │',
  '│ Do you want to proceed?                                       │',
  '│ ❯ 1. Yes                                                      │',
  '│   2. Yes, and don’t ask again for rm commands                 │',
  '│   3. No, and tell Claude what to do differently (esc)         │',
  '╰───────────────────────────────────────────────────────────────╯',
].join('\n');

export const CASES: Record<string, StateChange> = {
  waiting: {
    ...base,
    id: 'g:waiting',
    state: 'waiting',
    evidence: { source: 'pane', detail: 'Do you want to proceed?', at },
    reason: 'question',
    excerpt: CLAUDE_QUESTION,
  },
  'done-verified': { ...base, id: 'g:dv', state: 'done', exitCode: 0, verify: { ran: true, exitCode: 0 } },
  'done-verify-failed': {
    ...base,
    id: 'g:dvf',
    state: 'done',
    exitCode: 0,
    excerpt: '● All done: the login form now validates emails.\n────────\n> ',
    verify: {
      ran: true,
      exitCode: 1,
      tail: 'npm test\n\n  ✗ login rejects empty password\n    AssertionError: expected 200 to be 400\n1 failing\n',
    },
  },
  failed: {
    ...base,
    id: 'g:f',
    state: 'failed',
    from: 'running',
    exitCode: 2,
    evidence: { source: 'exit', detail: 'agent exited with code 2', at },
    excerpt: 'Error: ENOENT: no such file or directory, open config.json\n    at main (index.js:3:9)\n',
  },
  stalled: {
    ...base,
    id: 'g:s',
    state: 'stalled',
    reason: 'no_progress',
    evidence: { source: 'timer', detail: 'no output for 10 m', at },
    excerpt: '⠋ Thinking…',
  },
  'rate-limited': {
    ...base,
    id: 'g:rl',
    state: 'rate_limited',
    reason: 'usage limit',
    resetAt: '2026-11-30T15:00:00.000Z',
    evidence: {
      source: 'pane',
      detail: 'Claude usage limit reached. Your limit will reset at 3pm (UTC).',
      at,
    },
  },
  // copilot retrying a 429 with "Working" on its screen: the failure is in its log (vendorLogs.ts)
  throttled: {
    ...base,
    id: 'g:th',
    state: 'rate_limited',
    reason: 'throttled',
    agent: 'copilot',
    evidence: { source: 'log', detail: 'copilot log: model request failed: HTTP 429, retry in 20s', at },
    excerpt: ' ◉ Working esc esc interrupt                    gpt-4.1',
  },
  'stalled-api-error': {
    ...base,
    id: 'g:sae',
    state: 'stalled',
    reason: 'api_error',
    agent: 'gemini',
    evidence: {
      source: 'log',
      detail: 'gemini log: model request failed: HTTP 503: The model is overloaded. Please try again later.',
      at,
    },
    excerpt: ' ⠏ Thinking... (esc to cancel, 34s)',
  },
  // codex exec --json retrying a 429: the pane holds JSON events; the text is said in their words
  'headless-json': {
    ...base,
    id: 'g:hj',
    state: 'rate_limited',
    reason: 'throttled',
    agent: 'codex',
    evidence: {
      source: 'pane',
      detail:
        '{"type":"error","message":"Reconnecting... 2/5 (exceeded retry limit, last status: 429 Too Many Requests)"}',
      at,
      pattern: 'common.json: throttled[0]',
    },
    excerpt: [
      '{"type":"thread.started","thread_id":"01a2307c-bae9-77f1-b0ab-b3b5c0d7e73d"}',
      '{"type":"turn.started"}',
      '{"type":"error","message":"Reconnecting... 1/5 (exceeded retry limit, last status: 429 Too Many Requests)"}',
      '{"type":"error","message":"Reconnecting... 2/5 (exceeded retry limit, last status: 429 Too Many Requests)"}',
    ].join('\n'),
  },
  'auth-failed': {
    ...base,
    id: 'g:af',
    state: 'auth_failed',
    reason: 'not logged in',
    evidence: { source: 'pane', detail: 'Invalid API key · Please run /login', at },
  },
  // claude retrying a 401 under its one "API error · Retrying" line: its debug log names the 401
  'auth-failed-log': {
    ...base,
    id: 'g:afl',
    state: 'auth_failed',
    agent: 'claude',
    evidence: {
      source: 'log',
      detail: 'claude log: model request failed (attempt 4): HTTP 401: invalid x-api-key',
      at,
    },
    excerpt: '✻ API error · Retrying in 9s · attempt 4/10',
  },
  'exited-logged-out': { ...base, id: 'g:elo', state: 'failed', reason: 'auth_failed', exitCode: 1 },
  'turn-end': { ...base, id: 'g:te', state: 'idle', reason: 'turn_end', verify: { ran: true, exitCode: 0 } },
  vanished: { ...base, id: 'g:v', state: 'vanished' },
  orphaned: { ...base, id: 'g:o', state: 'orphaned' },
};
