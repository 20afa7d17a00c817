import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMessage, excerptOf, cleanTerminalText, eventText, testChange } from './format.js';
import type { StateChange } from '../../common/notify.js';

const at = '2025-01-02T03:04:05.000Z';
const base: StateChange = { id: 'w:1:7:done', name: 'fix-login', state: 'done', from: 'running', at };
const ev = (detail: string, source = 'pane') => ({ source, detail, at });

// The full text per state and channel is pinned by the golden files (format.golden.test.ts); this
// table pins the title, the urgency and the command that works for each state.
test('formatMessage: title, urgency and the next step per state', () => {
  const ok = { ran: true, exitCode: 0 };
  const bad = { ran: true, exitCode: 1, tail: 'FAIL login.test.ts' };
  const none = { ran: false, exitCode: null };
  const pending = { ran: true, exitCode: null, pending: true };
  const attach = 'workcell attach fix-login';
  const resume = 'workcell resume fix-login';
  const cases: Array<[Partial<StateChange>, string, string, string]> = [
    [{ state: 'done', exitCode: 0 }, 'fix-login finished', 'normal', resume],
    [{ state: 'done', verify: ok }, 'fix-login finished: verified', 'normal', resume],
    [{ state: 'done', verified: false }, 'fix-login finished: verify failed', 'normal', resume],
    [{ state: 'done', verify: bad }, 'fix-login finished: verify failed', 'normal', resume],
    [{ state: 'done', verify: none }, 'fix-login finished (no verify.sh to check it)', 'normal', resume],
    [{ state: 'done', verify: pending }, 'fix-login finished, verify still running', 'normal', resume],
    [
      { state: 'idle', reason: 'turn_end', verify: ok },
      'fix-login finished its turn: verified',
      'low',
      attach,
    ],
    [
      { state: 'idle', reason: 'turn_end', verify: bad },
      'fix-login finished its turn: verify failed',
      'low',
      attach,
    ],
    [{ state: 'failed', exitCode: 2 }, 'fix-login failed (exit code 2)', 'critical', resume],
    [
      { state: 'failed', exitCode: null, signal: 'SIGKILL' },
      'fix-login failed (stopped by SIGKILL)',
      'critical',
      resume,
    ],
    [
      { state: 'failed', reason: 'auth_failed', exitCode: 1 },
      'fix-login lost its login and exited',
      'critical',
      resume,
    ],
    [{ state: 'waiting' }, 'fix-login is waiting for you', 'normal', attach],
    [{ state: 'rate_limited' }, 'fix-login hit a usage limit', 'normal', attach],
    [{ state: 'auth_failed' }, 'fix-login lost its login', 'critical', attach],
    [{ state: 'stalled' }, 'fix-login seems stuck: no output or progress', 'normal', attach],
    [
      { state: 'vanished' },
      'fix-login vanished: its tmux session is gone without an exit record',
      'normal',
      resume,
    ],
    [
      { state: 'orphaned' },
      'fix-login is orphaned: its tmux session is gone but its processes still run',
      'normal',
      'workcell kill fix-login',
    ],
    [{ state: 'idle' }, 'fix-login is idle at its prompt', 'low', attach],
    [{ state: 'killed' }, 'fix-login was killed', 'low', resume],
    [{ state: 'running' }, 'fix-login is running', 'low', attach],
  ];
  for (const [patch, title, urgency, next] of cases) {
    const m = formatMessage({ ...base, ...patch });
    assert.equal(m.title, title);
    assert.equal(m.urgency, urgency, title);
    assert.equal(m.attach, next, title);
    assert.ok(m.body.split('\n').at(-1)!.includes(next), `${title}: ${m.body}`);
    assert.equal(m.text, `${title}\n${m.body}`);
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
  assert.match(t.title, /^\[test\] notify-test finished$/);
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
  const m = formatMessage({ ...base, state: 'stalled', evidence: ev(`line1\nline2 ${'y'.repeat(400)}`) });
  const why = m.body.split('\n')[0]!;
  assert.ok(why.startsWith('Why: line1 line2 y'), why);
  assert.ok(why.length < 320, String(why.length));
  const w = formatMessage({ ...base, state: 'waiting', evidence: ev(`line1\nline2 ${'y'.repeat(400)}`) });
  assert.ok(w.body.split('\n')[0]!.startsWith('line1 line2 y'), w.body);
  assert.ok(w.body.split('\n')[0]!.length <= 300);
});

test('a headless pane’s JSON events are said in their words; events with none are dropped', () => {
  // claude -p --output-format stream-json and codex exec --json, as their panes show them
  assert.equal(eventText('{"type":"system","subtype":"init","cwd":"/w","tools":["Bash"]}'), null);
  assert.equal(eventText('{"type":"turn.started"}'), null);
  assert.equal(
    eventText('{"type":"assistant","message":{"content":[{"type":"text","text":"Fixed the login bug."}]}}'),
    'Fixed the login bug.',
  );
  assert.equal(
    eventText('{"type":"result","subtype":"success","is_error":false,"result":"All done."}'),
    'All done.',
  );
  assert.equal(
    eventText(
      '{"type":"error","message":"Reconnecting... 1/5 (exceeded retry limit, last status: 429 Too Many Requests)"}',
    ),
    'Reconnecting... 1/5 (exceeded retry limit, last status: 429 Too Many Requests)',
  );
  assert.equal(
    eventText('{"type":"turn.failed","error":{"message":"stream disconnected"}}'),
    'stream disconnected',
  );
  assert.equal(
    eventText('{"type":"item.completed","item":{"type":"agent_message","text":"Hello."}}'),
    'Hello.',
  );
  // not JSON, or cut by the pane's width: as it is
  assert.equal(eventText('plain output line'), 'plain output line');
  assert.equal(
    eventText('{"type":"error","message":"cut at the wi'),
    '{"type":"error","message":"cut at the wi',
  );
});
