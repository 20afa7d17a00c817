import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandNotifier, openclawNotifier, runArgv, withText, messageEnv } from './exec.js';
import { formatMessage } from './format.js';
import { makeSecretResolver } from './secrets.js';
import type { NotifierContext } from './types.js';

const root = mkdtempSync(join(tmpdir(), 'wc-cmd-'));
after(() => rmSync(root, { recursive: true, force: true }));
const ctx = (env: NodeJS.ProcessEnv = process.env): NotifierContext => ({
  env,
  platform: 'linux',
  secrets: makeSecretResolver(env, root),
});

// Writes its argv and WORKCELL_* environment to the file named by its first argument.
const RECORDER = `require('fs').writeFileSync(process.argv[1], JSON.stringify({ argv: process.argv.slice(2),
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('WORKCELL_'))) }))`;

const pwned = join(root, 'pwned');
const hostile = [
  `"; touch ${pwned}; echo "`,
  `$(touch ${pwned})`,
  `\`touch ${pwned}\``,
  `a'b"c`,
  '; rm -rf ~',
];
const at = '2025-01-02T03:04:05.000Z';
const msg = formatMessage({
  id: 'w:2:9:rate_limited',
  name: 'w',
  state: 'rate_limited',
  from: 'running',
  at,
  reason: `limit $(touch ${pwned})`,
  resetAt: '2025-01-02T15:00:00Z',
  runDir: '/h/runs/w',
  excerpt: `You've hit your limit · resets 3pm\n$(touch ${pwned})`,
});

test('command notifier: argv arrives verbatim, nothing executes, WORKCELL_* env arrives', async () => {
  const out = join(root, 'cmd.json');
  const n = commandNotifier(
    { type: 'command', on: [], argv: [process.execPath, '-e', RECORDER, out, ...hostile] },
    ctx(),
  );
  assert.deepEqual(await n.send(msg, AbortSignal.timeout(10_000)), { ok: true });
  const got = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; env: Record<string, string> };
  assert.deepEqual(got.argv, hostile);
  assert.equal(existsSync(pwned), false, 'no shell ran any of it');
  assert.deepEqual(
    {
      name: got.env.WORKCELL_NAME,
      state: got.env.WORKCELL_STATE,
      from: got.env.WORKCELL_FROM_STATE,
      reason: got.env.WORKCELL_REASON,
      exit: got.env.WORKCELL_EXIT_CODE,
      runDir: got.env.WORKCELL_RUN_DIR,
      excerpt: got.env.WORKCELL_EXCERPT,
      resetAt: got.env.WORKCELL_RESET_AT,
    },
    {
      name: 'w',
      state: 'rate_limited',
      from: 'running',
      reason: `limit $(touch ${pwned})`,
      exit: '',
      runDir: '/h/runs/w',
      excerpt: `You've hit your limit · resets 3pm\n$(touch ${pwned})`,
      resetAt: '2025-01-02T15:00:00Z',
    },
  );
  assert.equal(got.env.WORKCELL_TEXT, msg.text);
});

test('openclaw: {text} placeholder replaced by the message, default argv shape', async () => {
  assert.deepEqual(withText(['openclaw', 'system', 'event', '--text', '{text}', '--mode', 'now'], 'hi'), [
    'openclaw',
    'system',
    'event',
    '--text',
    'hi',
    '--mode',
    'now',
  ]);
  assert.deepEqual(withText(['my-tool', '--send'], 'hi'), ['my-tool', '--send', 'hi']);
  const out = join(root, 'claw.json');
  const n = openclawNotifier(
    { type: 'openclaw', on: [], argv: [process.execPath, '-e', RECORDER, out, '--text', '{text}'] },
    ctx(),
  );
  assert.deepEqual(await n.send(msg, AbortSignal.timeout(10_000)), { ok: true });
  assert.deepEqual((JSON.parse(readFileSync(out, 'utf8')) as { argv: string[] }).argv, ['--text', msg.text]);
  assert.equal(existsSync(pwned), false);
  // Not installed: a clear, permanent failure (PATH without openclaw).
  const missing = openclawNotifier({ type: 'openclaw', on: [] }, ctx({ PATH: root }));
  const r = await missing.send(msg, AbortSignal.timeout(10_000));
  assert.deepEqual(r, {
    ok: false,
    error: 'openclaw: not found (install openclaw or set "argv" on the openclaw notifier)',
    retry: false,
  });
});

test('runArgv: exit codes, stderr tail, closed stdin, and abort are values', async () => {
  const env = process.env;
  const cases: Array<[string[], { ok: boolean; error?: RegExp; retry?: boolean }]> = [
    [[process.execPath, '-e', 'process.exit(0)'], { ok: true }],
    [
      [process.execPath, '-e', 'console.error("bad token"); process.exit(3)'],
      { ok: false, error: /exit 3: bad token$/, retry: true },
    ],
    // Reads stdin to the end: finishes at once because stdin is closed, instead of hanging.
    [
      [process.execPath, '-e', 'process.stdin.resume(); process.stdin.on("end", () => process.exit(0))'],
      { ok: true },
    ],
    [[join(root, 'no-such-program')], { ok: false, error: /no-such-program: not found$/, retry: false }],
  ];
  for (const [argv, want] of cases) {
    const r = await runArgv(argv, { env, signal: AbortSignal.timeout(10_000) });
    assert.equal(r.ok, want.ok, `${argv.join(' ')}: ${JSON.stringify(r)}`);
    if (!r.ok) {
      assert.match(r.error, want.error!);
      assert.equal(r.retry, want.retry);
    }
  }
  const started = Date.now();
  const slow = await runArgv([process.execPath, '-e', 'setTimeout(() => {}, 60000)'], {
    env,
    signal: AbortSignal.timeout(200),
  });
  assert.equal(slow.ok, false);
  assert.equal(slow.ok ? null : slow.retry, true);
  assert.ok(Date.now() - started < 5_000, 'the timeout killed it');
});

test('messageEnv: empty strings for missing facts, exit code as text', () => {
  const env = messageEnv(formatMessage({ id: 'i', name: 'n', state: 'failed', from: null, at, exitCode: 0 }));
  assert.equal(env.WORKCELL_EXIT_CODE, '0');
  assert.equal(env.WORKCELL_FROM_STATE, '');
  assert.equal(env.WORKCELL_RESET_AT, '');
  assert.equal(env.WORKCELL_TEST, '');
});
