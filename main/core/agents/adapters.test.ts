import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentName } from '../../common/workcell.js';
import { ADAPTERS, INLINE_BRIEF_MAX, taskPrompt, type LaunchContext } from './adapters.js';

const T = '-task starting with a dash';
const X = ['--model', 'm1'];
const ctx = (agent: AgentName, headless: boolean): LaunchContext => ({
  runDir: '/runs/w',
  headless,
  // What prepareHooks gives each vendor: claude a settings file, codex a -c override, others none.
  ...(agent === 'claude' ? { hookArgs: ['--settings', '/runs/w/hooks/s.json'], sessionId: 'SID' } : {}),
  ...(agent === 'codex' ? { hookArgs: ['-c', 'notify=["n"]'] } : {}),
  ...(agent === 'gemini' || agent === 'copilot' ? { sessionId: 'SID' } : {}),
});

// [agent, fresh argv, headless argv]: the prompt is always ONE element, never read as a flag.
const cases: [AgentName, string[], string[]][] = [
  [
    'claude',
    ['claude', '--settings', '/runs/w/hooks/s.json', '--session-id', 'SID', ...X, '--', T],
    [
      'claude',
      ...['-p', '--output-format', 'stream-json', '--verbose'],
      ...['--settings', '/runs/w/hooks/s.json', '--session-id', 'SID', ...X, '--', T],
    ],
  ],
  [
    'codex',
    ['codex', '-c', 'notify=["n"]', ...X, '--', T],
    ['codex', 'exec', '--json', '-c', 'notify=["n"]', '-s', 'workspace-write', ...X, '--', T],
  ],
  [
    'gemini',
    ['gemini', '--session-id', 'SID', ...X, `--prompt-interactive=${T}`],
    ['gemini', '--session-id', 'SID', ...X, `--prompt=${T}`],
  ],
  [
    'copilot',
    ['copilot', '--session-id', 'SID', ...X, '--interactive', T],
    ['copilot', '--session-id', 'SID', ...X, '-p', T],
  ],
  ['cursor', ['cursor-agent', ...X, T], ['cursor-agent', '-p', ...X, '--', T]],
  ['aider', ['aider', ...X, '--message', T], ['aider', ...X, '--message', T]],
  ['opencode', ['opencode', ...X, `--prompt=${T}`], ['opencode', 'run', ...X, '--', T]],
  ['command', [...X], [...X]],
];

for (const [agent, fresh, headless] of cases) {
  test(`${agent}: fresh and headless argv`, () => {
    assert.deepEqual(ADAPTERS[agent].launch(T, X, ctx(agent, false)), fresh);
    assert.deepEqual(ADAPTERS[agent].launch(T, X, ctx(agent, true)), headless);
  });
}

test("codex exec --json once: the user's own --json is not doubled (clap refuses a repeated flag)", () => {
  const argv = ADAPTERS.codex.launch(T, ['--json'], { runDir: '/r', headless: true });
  assert.equal(argv.filter((a) => a === '--json').length, 1);
});

test('codex exec: a sandbox choice of the user replaces -s workspace-write', () => {
  for (const extra of [['-s', 'read-only'], ['--sandbox=danger-full-access'], ['--yolo']]) {
    const argv = ADAPTERS.codex.launch(T, extra, { runDir: '/r', headless: true });
    assert.deepEqual(argv, ['codex', 'exec', '--json', ...extra, '--', T]);
  }
});

test('a short brief is the prompt; a long one is pointed at, not put in argv', () => {
  const short = 'x'.repeat(INLINE_BRIEF_MAX);
  assert.equal(taskPrompt(short, '/runs/w/brief.md'), short);
  const long = `-${'y'.repeat(INLINE_BRIEF_MAX)}`;
  const p = taskPrompt(long, '/runs/w/brief.md');
  assert.ok(p.length < 300);
  assert.match(p, /^[A-Z]/);
  assert.ok(p.includes('/runs/w/brief.md'));
});

test("claude: a user's own debugging flag keeps their log; ours goes only where they set none", () => {
  const hookArgs = ['--settings', '/r/hooks/s.json', '--debug-file', '/r/hooks/claude-debug.log'];
  const c = { runDir: '/r', headless: false, hookArgs };
  const ours = ['claude', ...hookArgs, '--', T];
  assert.deepEqual(ADAPTERS.claude.launch(T, [], c), ours);
  assert.deepEqual(ADAPTERS.claude.resume!('S', ['--model', 'm'], c), [
    'claude',
    ...hookArgs,
    '--resume',
    'S',
    '--model',
    'm',
  ]);
  for (const own of [
    ['--debug'],
    ['-d'],
    ['--debug=api'],
    ['--debug-file', '/mine.txt'],
    ['--debug-to-stderr'],
  ]) {
    for (const argv of [
      ADAPTERS.claude.launch(T, own, c),
      ADAPTERS.claude.resume!('S', own, c),
      ADAPTERS.claude.continueLast!(own, c),
    ]) {
      assert.ok(!argv.includes('/r/hooks/claude-debug.log'), `${own.join(' ')}: ${argv.join(' ')}`);
      assert.ok(argv.includes('--settings'), own.join(' '));
      for (const a of own) assert.ok(argv.includes(a));
    }
  }
  // a prompt or a model name that merely mentions debug is not a flag
  assert.deepEqual(
    ADAPTERS.claude.launch('--debug the tests', ['--model', 'debug-1'], c).slice(0, 5),
    ours.slice(0, 5),
  );
});
