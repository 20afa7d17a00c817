import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMessage, excerptOf, cleanTerminalText, testChange } from './format.js';
import type { StateChange } from '../../common/notify.js';

const at = '2025-01-02T03:04:05.000Z';
const base: StateChange = { id: 'w:1:7:done', name: 'fix-login', state: 'done', from: 'running', at };
const ev = (detail: string, source = 'pane') => ({ source, detail, at });

test('formatMessage: title, body and urgency per state', () => {
  const cases: Array<[Partial<StateChange>, string, string, string]> = [
    [{ state: 'done', exitCode: 0 }, 'fix-login: done', 'Get in: workcell attach fix-login', 'normal'],
    [
      { state: 'done', verified: true },
      'fix-login: done, verified',
      'Get in: workcell attach fix-login',
      'normal',
    ],
    [
      { state: 'done', verified: false },
      'fix-login: claimed done, NOT verified (verify failed)',
      'Get in: workcell attach fix-login',
      'normal',
    ],
    [
      { state: 'failed', exitCode: 2, evidence: ev('exit 2', 'exit') },
      'fix-login: failed (exit 2)',
      'Why: exit 2 (exit)\nGet in: workcell attach fix-login',
      'critical',
    ],
    [
      { state: 'failed', exitCode: null, signal: 'SIGKILL' },
      'fix-login: failed (signal SIGKILL)',
      'Get in: workcell attach fix-login',
      'critical',
    ],
    [
      {
        state: 'waiting',
        evidence: ev('Do you want to proceed? 1. Yes 2. No', 'hook'),
        excerpt: 'Edit file?\n\n 1. Yes\n 2. No\n',
      },
      'fix-login: is waiting for you',
      'Why: Do you want to proceed? 1. Yes 2. No (hook)\nLast output:\nEdit file?\n 1. Yes\n 2. No\nGet in: workcell attach fix-login',
      'normal',
    ],
    [
      { state: 'rate_limited', resetAt: '2025-01-02T15:00:00Z', reason: 'usage limit' },
      'fix-login: hit a usage limit (resets 2025-01-02T15:00:00Z)',
      'Why: usage limit\nGet in: workcell attach fix-login',
      'normal',
    ],
    [
      { state: 'rate_limited' },
      'fix-login: hit a usage limit',
      'Get in: workcell attach fix-login',
      'normal',
    ],
    [
      { state: 'auth_failed', evidence: ev('Invalid API key · Please run /login'), reason: 'not logged in' },
      'fix-login: lost its login',
      'Why: Invalid API key · Please run /login (pane)\nReason: not logged in\nTo fix: workcell attach fix-login and log in again (/login)',
      'critical',
    ],
    [
      { state: 'stalled', evidence: ev('no output for 312 s', 'timer') },
      'fix-login: stalled: no output or progress',
      'Why: no output for 312 s (timer)\nGet in: workcell attach fix-login',
      'normal',
    ],
    [
      { state: 'vanished' },
      'fix-login: vanished: its tmux session is gone without an exit record',
      'Get in: workcell attach fix-login',
      'normal',
    ],
    [{ state: 'idle' }, 'fix-login: is idle at its prompt', 'Get in: workcell attach fix-login', 'low'],
    [{ state: 'killed' }, 'fix-login: was killed', 'Get in: workcell attach fix-login', 'low'],
    [{ state: 'running' }, 'fix-login: is running', 'Get in: workcell attach fix-login', 'low'],
    [{ state: 'starting' }, 'fix-login: is starting', 'Get in: workcell attach fix-login', 'low'],
  ];
  for (const [patch, title, body, urgency] of cases) {
    const m = formatMessage({ ...base, ...patch });
    assert.equal(m.title, title);
    assert.equal(m.body, body, title);
    assert.equal(m.text, `${title}\n${body}`);
    assert.equal(m.urgency, urgency, title);
    assert.equal(m.attach, 'workcell attach fix-login');
    assert.equal(m.changeId, 'w:1:7:done');
  }
});

test('completion texts: done, turn end, verify outcomes, auth exit, orphaned', () => {
  const ok = { ran: true, exitCode: 0 };
  const bad = { ran: true, exitCode: 1, tail: 'PASS a\nFAIL login.test.ts\n  expected 200, got 500\n' };
  const none = { ran: false, exitCode: null };
  const pending = { ran: true, exitCode: null, pending: true };
  const get = 'Get in: workcell attach fix-login';
  const verifyBody = 'Verify output (exit 1):\nPASS a\nFAIL login.test.ts\n  expected 200, got 500\n' + get;
  const cases: Array<[Partial<StateChange>, string, string, boolean | null]> = [
    [{ state: 'done', verify: ok }, 'done, verified', get, true],
    [{ state: 'done', verify: bad }, 'claimed done, NOT verified (verify failed)', verifyBody, false],
    [{ state: 'done', verify: none }, 'done (no verify.sh)', get, null],
    [{ state: 'done', verify: pending }, 'done, verify still running', get, null],
    [{ state: 'idle', reason: 'turn_end', verify: ok }, 'finished its turn: verified', get, true],
    [
      { state: 'idle', reason: 'turn_end', verify: bad },
      'finished its turn: claimed done, not verified',
      verifyBody,
      false,
    ],
    [{ state: 'idle', reason: 'turn_end', verify: none }, 'finished its turn (no verify.sh)', get, null],
    [{ state: 'idle', reason: 'turn_end' }, 'finished its turn', get, null],
    [{ state: 'idle', reason: null }, 'is idle at its prompt', get, null],
    [
      { state: 'failed', reason: 'auth_failed', exitCode: 1 },
      'lost its login and exited',
      'To fix: log the agent in again (run it and /login), then: workcell resume fix-login',
      null,
    ],
    [
      { state: 'orphaned' },
      'orphaned: its tmux session is gone but its processes still run',
      'End them: workcell kill fix-login',
      null,
    ],
    [{ state: 'failed', exitCode: 3, verify: bad }, 'failed (exit 3)', verifyBody, false],
  ];
  for (const [patch, headline, body, verified] of cases) {
    const m = formatMessage({ ...base, ...patch });
    assert.equal(m.title, `fix-login: ${headline}`);
    assert.equal(m.body, body, headline);
    assert.equal(m.verified, verified, headline);
    assert.equal(m.idempotencyKey, base.id);
  }
});

test('formatMessage carries the facts for structured channels', () => {
  const m = formatMessage({
    ...base,
    state: 'failed',
    exitCode: 1,
    runDir: '/h/runs/fix-login',
    excerpt: 'boom',
  });
  assert.deepEqual(
    {
      exitCode: m.exitCode,
      runDir: m.runDir,
      excerpt: m.excerpt,
      from: m.from,
      test: m.test,
      signal: m.signal,
    },
    { exitCode: 1, runDir: '/h/runs/fix-login', excerpt: 'boom', from: 'running', test: false, signal: null },
  );
  const t = formatMessage(testChange(at));
  assert.equal(t.test, true);
  assert.match(t.title, /^\[test\] notify-test: done$/);
});

test('excerpt: last lines, ANSI and control characters removed, long lines cut', () => {
  const long = 'x'.repeat(250);
  const cases: Array<[string | null | undefined, string]> = [
    [undefined, ''],
    [null, ''],
    ['', ''],
    ['\n\n  \n', ''],
    ['one\ntwo', 'one\ntwo'],
    ['1\n2\n3\n4\n5\n6\n7\n\n\n', '3\n4\n5\n6\n7'],
    ['\u001b[31mred\u001b[0m and \u001b[1;32mgreen\u001b[m', 'red and green'],
    ['\u001b]0;title\u0007after \u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\', 'after link'],
    ['progress 10%\rprogress 100%', 'progress 100%'],
    ['crlf\r\nline', 'crlf\nline'],
    ['bell\u0007 and nul\u0000 gone', 'bell and nul gone'],
    ['tab\there   ', 'tab  here'],
    [long, `${'x'.repeat(199)}…`],
  ];
  for (const [raw, expected] of cases) assert.equal(excerptOf(raw), expected, JSON.stringify(raw));
  assert.equal(cleanTerminalText('a\u001b[2Kb'), 'ab');
});

test('evidence detail is one line and capped', () => {
  const m = formatMessage({ ...base, state: 'waiting', evidence: ev(`line1\nline2 ${'y'.repeat(400)}`) });
  const why = m.body.split('\n')[0]!;
  assert.ok(why.startsWith('Why: line1 line2 y'), why);
  assert.ok(why.length < 320, String(why.length));
});
