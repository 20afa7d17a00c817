// `workcell send` as a user runs it, on real tmux: hostile text arrives in the agent byte for byte (a
// fake agent reads its tty raw and writes what it got to a file), NUL and line breaks are refused
// clearly, an ended workcell is refused, and events.jsonl records the length, never the secret.
import { test, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeHome,
  CLI,
  FAKE_AGENT,
  leakedProcesses,
  waitFor,
  type TestHome,
} from '../core/testing/fixture.js';

let home: TestHome;
beforeEach(() => (home = makeHome('wc-send-')));
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: home.env, encoding: 'utf8', maxBuffer: 1 << 24 },
      (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
    ),
  );
}

/** Starts a fake agent that waits at a raw prompt; resolves once the prompt is on screen. */
async function startReader(name: string): Promise<string> {
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo, { recursive: true });
  const out = join(home.dir.root, `${name}.got`);
  const s = await run([
    'start',
    name,
    '--repo',
    repo,
    '--agent',
    'command',
    '--',
    process.execPath,
    FAKE_AGENT,
    '--read-raw',
    out,
    '--sleep',
    '60000',
  ]);
  assert.equal(s.code, 0, s.stderr);
  await waitFor(async () => /ready>/.test((await run(['peek', name])).stdout), 10_000, `${name} prompt`);
  return out;
}

const HOSTILE: Array<[string, string]> = [
  ['shell', `it's "quoted" $(touch /tmp/pwned) \`id\` ; rm -rf ~ && echo $HOME | cat`],
  ['dash', '-t =other: -l --help'],
  ['unicode', 'héllo wörld — 日本語 😀 zero\u200bwidth'],
  ['semi', 'ends with a tmux separator ;'],
  ['escsemi', 'backslash then semi \\;'],
  ['big', `${'0123456789abcdef'.repeat(640)}!`], // 10 kB + 1 on one line
];

test('send: hostile text arrives exactly, then Enter; the event holds only length and a redacted preview', async () => {
  const files = await Promise.all(HOSTILE.map(([n]) => startReader(`s-${n}`)));
  for (const [i, [n, text]] of HOSTILE.entries()) {
    // `--` so text that starts with a dash is the text, not an option (the usual CLI rule)
    const r = await run(['send', `s-${n}`, '--', text]);
    assert.equal(r.code, 0, `${n}: ${r.stderr}`);
    const got = await waitFor(() => existsSync(files[i]!) && readFileSync(files[i]!, 'utf8'), 10_000, n);
    assert.equal(JSON.parse(String(got)), text, n);
  }
  assert.equal(existsSync('/tmp/pwned'), false);
  const events = readFileSync(join(home.dir.runDir('s-shell'), 'events.jsonl'), 'utf8');
  const reply = events
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((e) => e.type === 'reply');
  assert.equal(reply.by, 'cli');
  assert.equal(reply.chars, [...HOSTILE[0]![1]].length);
  assert.equal(reply.enter, true);
});

test('send: a key by name; a secret-looking reply is not written to events.jsonl', async () => {
  const out = await startReader('k1');
  const secret = 'sk-live-4f9a8b7c6d5e4f3a2b1c';
  const t = await run(['send', 'k1', '--no-enter', `token ${secret}`]);
  assert.equal(t.code, 0, t.stderr);
  const k = await run(['send', 'k1', '--key', 'Enter', '--json']);
  assert.equal(k.code, 0, k.stderr);
  assert.equal(JSON.parse(k.stdout).key, 'Enter');
  const got = await waitFor(() => existsSync(out) && readFileSync(out, 'utf8'));
  assert.equal(JSON.parse(String(got)), `token ${secret}`);
  const events = readFileSync(join(home.dir.runDir('k1'), 'events.jsonl'), 'utf8');
  assert.ok(!events.includes(secret) && !events.includes('4f9a8b'), events);
  assert.match(events, /"preview":"token •••"/);
});

test('send: NUL, line breaks, unknown keys and missing text are refused (exit 2) before tmux is touched', async () => {
  await startReader('r1');
  const cases: Array<[string[], RegExp]> = [
    [['send', 'r1', 'a\nb'], /line break/],
    [['send', 'r1', 'a\u001b[2J'], /control character/],
    [['send', 'r1', '--key', 'F13'], /unknown key "F13"/],
    [['send', 'r1'], /either TEXT or --key/],
  ];
  for (const [args, msg] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
  // A NUL cannot travel in argv at all, so the CLI cannot be handed one: the core refuses it.
  const { checkReplyText } = await import('../core/reply.js');
  const nul = checkReplyText('a\0b');
  assert.equal(nul.ok, false);
  assert.match(!nul.ok ? nul.error.message : '', /NUL byte/);
  assert.ok(!readFileSync(join(home.dir.runDir('r1'), 'events.jsonl'), 'utf8').includes('"reply"'));
});

test('send: an ended workcell is refused with what to do instead (exit 1)', async () => {
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo, { recursive: true });
  const s = await run([
    'start',
    'e1',
    '--repo',
    repo,
    '--agent',
    'command',
    '--',
    process.execPath,
    FAKE_AGENT,
    '--exit',
    '0',
  ]);
  assert.equal(s.code, 0, s.stderr);
  await waitFor(async () => JSON.parse((await run(['status', 'e1', '--json'])).stdout).state === 'done');
  const r = await run(['send', 'e1', 'hello']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /e1 has ended \(done\).*workcell resume e1/);
  const missing = await run(['send', 'nope', 'hello']);
  assert.equal(missing.code, 3);
});
