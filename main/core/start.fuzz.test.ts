// Adversarial inputs through the start path: names, objectives/briefs, verify commands, agent argv and
// WORKCELLS_HOME paths full of shell and tmux metacharacters (`$()`, backticks, `;`, `|`, quotes,
// `#()`, `#{}`, newlines, NUL, unicode, very long), each trying to `touch` a canary file that must never
// appear. Seeded (WC_FUZZ_SEED to replay a run). Most cases go through the real validation and
// argv-building code and through a real sh and a real tmux in batches; a sample runs the whole start on
// a real private tmux server and checks that argv, brief and verify.sh arrive byte for byte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { shQuote } from '../common/shellQuote.js';
import { ADAPTERS, INLINE_BRIEF_MAX, taskPrompt } from './agents/adapters.js';
import { Engine } from './engine.js';
import { ensureHome } from './home.js';
import { RUN_FILES } from './paths.js';
import { RunStore } from './runStore.js';
import { startWorkcell } from './start.js';
import { Tmux, tmuxConfPath, tmuxEnv } from './tmux.js';
import { leakedProcesses, makeHome, waitFor, type TestHome } from './testing/fixture.js';

const SEED = Number(process.env.WC_FUZZ_SEED ?? 8_2025);
// Case counts: pure and batched cases are cheap; a real start costs ~100 ms of a shared 2-core machine.
const N = { names: 400, prompts: 300, shell: 300, tmuxConf: 200, realStarts: 16, realHomes: 8 } as const;

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RECORD_ARGV =
  'printf "%s\\0" "$@" > "$WORKCELL_RUN_DIR/argv.tmp" && mv "$WORKCELL_RUN_DIR/argv.tmp" "$WORKCELL_RUN_DIR/argv.out"; exec sleep 600';

let canaryDir = '';
let canary = '';
let fakeBin = '';
const counts: Record<string, number> = {};
const count = (k: string, n = 1) => (counts[k] = (counts[k] ?? 0) + n);

before(() => {
  canaryDir = mkdtempSync(join(tmpdir(), 'wc-fuzz-canary-'));
  canary = join(canaryDir, 'canary');
  // Payloads that cannot hold a `/` (a path segment) name the canary through this variable; the
  // tmux server and every pane inherit it.
  process.env.WC_CANARY = canary;
  // A stand-in vendor CLI: writes the argv it got (NUL-separated), then waits to be killed.
  fakeBin = join(canaryDir, 'bin');
  mkdirSync(fakeBin);
  writeFileSync(join(fakeBin, 'claude'), `#!/bin/sh\n${RECORD_ARGV}\n`);
  chmodSync(join(fakeBin, 'claude'), 0o755);
  process.env.PATH = `${fakeBin}${delimiter}${process.env.PATH}`;
});
after(() => rmSync(canaryDir, { recursive: true, force: true }));

function assertNoCanary(where: string) {
  assert.ok(!existsSync(canary), `a hostile ${where} ran a command (seed ${SEED})`);
}

/** Hostile strings: payloads that try to touch the canary in every syntax we know, mixed with filler. */
function generator(rng: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const payloads = (c: string) => [
    `$(touch ${c})`,
    `\`touch ${c}\``,
    `; touch ${c}`,
    `| touch ${c}`,
    `&& touch ${c} &&`,
    `#(touch ${c})`,
    `'; touch ${c}; '`,
    `"; touch ${c}; "`,
    `\ntouch ${c}\n`,
    `$(touch ${c})#{pane_pid}`,
    `"$(touch ${c})"`,
    `\\"; touch ${c} #`,
    `%1 run-shell "touch ${c}" ;`,
    `{ touch ${c}; }`,
    `$'\\x3b' touch ${c}`,
  ];
  const filler = ['a', 'fix login', ' ', '\t', '\\', '~', '*', '?[a]', '%%', '{}', '#', '#{', "'", '"', ';'];
  const unicode = ['é', '✓', '😀', '\u202e', '\u0301', 'ß', '中文', '\u00a0', '\r'];
  return (o: { slash?: boolean; nul?: boolean; max?: number; long?: boolean } = {}): string => {
    const c = o.slash === false || rng() < 0.5 ? '$WC_CANARY' : canary;
    let s = '';
    const parts = 1 + Math.floor(rng() * 5);
    for (let i = 0; i < parts; i++) {
      const r = rng();
      s += r < 0.45 ? pick(payloads(c)) : r < 0.75 ? pick(filler) : r < 0.9 ? pick(unicode) : `x${i}`;
    }
    if (o.nul && rng() < 0.1) s = s.slice(0, 3) + '\0' + s.slice(3);
    if (o.long && rng() < 0.1) s = s.repeat(Math.ceil((1_000 + rng() * 20_000) / Math.max(1, s.length)));
    if (o.slash === false) s = s.replace(/\//g, '_');
    if (o.max)
      s = Buffer.from(s)
        .subarray(0, o.max)
        .toString('utf8')
        .replace(/\uFFFD/g, '');
    return s;
  };
}

let home: TestHome;
let repo: string;
before(() => {
  home = makeHome('wc-fuzz-');
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
});
after(async () => {
  killPanes(home);
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
  assertNoCanary('input (final check)');
  // The counts, for the report: node --test prints them as a diagnostic.
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  process.stdout.write(`# fuzz seed ${SEED}: ${JSON.stringify(counts)} = ${total} cases\n`);
});

/** SIGKILL every pane's process group: no wrapper lives on to run the finisher (which would run the
 * verify command, on purpose, and with it a hostile one's `touch`). */
function killPanes(h: TestHome) {
  let out = '';
  try {
    out = execFileSync('tmux', ['-S', h.dir.socket, 'list-panes', '-a', '-F', '#{pane_pid}'], {
      encoding: 'utf8',
      env: tmuxEnv(),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    // no server: nothing runs
  }
  for (const pid of out.split('\n').filter(Boolean)) {
    try {
      process.kill(-Number(pid), 'SIGKILL');
    } catch {
      // ESRCH: the pane's process already ended
    }
  }
}

test('hostile names are refused before anything is created', async () => {
  const gen = generator(prng(SEED));
  const tmux = new Tmux(home.dir.socket, home.dir.tmuxConf);
  const store = new RunStore(home.dir);
  for (let i = 0; i < N.names; i++) {
    const name = gen({ nul: true, long: true });
    // The generator can make a well-formed name from its filler ("ax1"): those are not hostile.
    if (/^[a-z0-9][a-z0-9_-]{0,47}$/.test(name)) continue;
    const r = await startWorkcell(home.dir, tmux, store, { name, repo, agent: 'command', args: ['true'] });
    assert.ok(!r.ok && r.error.code === 'BAD_NAME', `name ${JSON.stringify(name)} was accepted`);
    count('names');
  }
  assert.ok(!existsSync(home.dir.runs) || readdirSync(home.dir.runs).length === 0);
  assertNoCanary('name');
});

test('objectives and briefs: the prompt is one argv element, byte for byte; a NUL is BAD_ARGS', async () => {
  const gen = generator(prng(SEED + 1));
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const vendors = (Object.keys(ADAPTERS) as (keyof typeof ADAPTERS)[]).filter((a) => a !== 'command');
  for (let i = 0; i < N.prompts; i++) {
    const objective = gen({ nul: true, long: true });
    if (objective.includes('\0')) {
      const r = await engine.start({ name: `nul-${i}`, repo, agent: 'claude', objective, args: [] });
      assert.ok(!r.ok && r.error.code === 'BAD_ARGS' && !r.error.message.includes(objective));
      count('prompts (NUL, real start)');
      continue;
    }
    const brief = `# brief\n${objective}\n`;
    const prompt = taskPrompt(brief, '/h/runs/x/brief.md');
    assert.equal(prompt === brief, brief.length <= INLINE_BRIEF_MAX);
    for (const v of vendors) {
      const argv = ADAPTERS[v].launch(prompt, ['--flag'], { runDir: '/h/runs/x', sessionId: 'id' });
      // One element: the prompt itself, or a `--flag=PROMPT` (gemini).
      const holders = argv.filter((a) => a === prompt || a.endsWith(`=${prompt}`));
      assert.equal(holders.length, 1, `${v}: the prompt is not one element`);
      if (objective.length >= 8) assert.ok(argv.every((a) => holders.includes(a) || !a.includes(objective)));
    }
    count('prompts (argv built)');
  }
  assertNoCanary('objective');
});

test('the one shell quoter, through a real sh: every string comes back byte for byte', () => {
  const gen = generator(prng(SEED + 2));
  const strings = Array.from({ length: N.shell }, () => gen({ long: true }));
  // The script goes on stdin: one argv element is capped at 128 KiB and the long cases exceed it.
  const out = execFileSync('/bin/sh', ['-s'], {
    input: `printf '%s\\0' ${strings.map(shQuote).join(' ')}\n`,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.deepEqual(out.split('\0').slice(0, -1), strings);
  count('shell quoting (real sh)', strings.length);
  assertNoCanary('shell-quoted string');
});

test('tmux.conf paths, through a real tmux: every file sourced exactly once, nothing run', () => {
  const gen = generator(prng(SEED + 3));
  const dir = mkdtempSync(join(tmpdir(), 'wc-fuzz-conf-'));
  const sock = join(dir, 's');
  try {
    const files = new Map<string, number>();
    while (files.size < N.tmuxConf) {
      const name = gen({ slash: false, max: 200 });
      if (name === '' || name === '.' || name === '..' || files.has(name)) continue;
      files.set(name, files.size);
    }
    mkdirSync(join(dir, 'c'));
    let conf = '';
    for (const [name, i] of files) {
      writeFileSync(join(dir, 'c', name), `set -ag @c${i} x\n`);
      conf += `source-file -q ${tmuxConfPath(join(dir, 'c', name))}\n`;
    }
    writeFileSync(join(dir, 'tmux.conf'), conf);
    execFileSync('tmux', ['-S', sock, '-f', join(dir, 'tmux.conf'), 'new-session', '-d', 'sleep 600'], {
      env: tmuxEnv(),
    });
    const shown = execFileSync('tmux', ['-S', sock, 'show-options', '-g'], {
      encoding: 'utf8',
      env: tmuxEnv(),
    });
    for (const i of files.values()) assert.match(shown, new RegExp(`^@c${i} x$`, 'm'), `file ${i}`);
    count('tmux.conf paths (real tmux)', files.size);
  } finally {
    try {
      execFileSync('tmux', ['-S', sock, 'kill-server'], { env: tmuxEnv(), stdio: 'ignore' });
    } catch {
      // the server did not start: the assertion above already failed
    }
    rmSync(dir, { recursive: true, force: true });
  }
  assertNoCanary('tmux.conf path');
});

test('real starts: hostile objective, verify and argv arrive byte for byte, nothing runs', async () => {
  const gen = generator(prng(SEED + 4));
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  for (let i = 0; i < N.realStarts; i++) {
    const name = `real-${i}`;
    // A trailing `;` followed by a tmux command is how argv once escaped into tmux's own parser.
    // Not long: tmux refuses a command over 16 KiB ("command too long"), which is not what this tests.
    const extra = [gen(), `${gen()};`, 'run-shell', `touch ${canary}`, gen()];
    const objective = gen({ long: true });
    const verify = gen();
    const vendor = i % 2 === 0;
    const r = await engine.start({
      name,
      repo,
      agent: vendor ? 'claude' : 'command',
      objective,
      verify,
      args: vendor ? extra : ['/bin/sh', '-c', RECORD_ARGV, 'sh', ...extra],
    });
    assert.ok(r.ok, JSON.stringify(r));
    const runDir = home.dir.runDir(name);
    const out = join(runDir, 'argv.out');
    await waitFor(() => existsSync(out), 15_000, `${name}'s agent to record its argv`);
    const got = readFileSync(out, 'utf8').split('\0').slice(0, -1);
    assert.deepEqual(got, vendor ? r.value.argv!.slice(1) : extra);
    assert.ok(readFileSync(join(runDir, RUN_FILES.brief), 'utf8').includes(objective));
    assert.ok(readFileSync(join(runDir, RUN_FILES.verify), 'utf8').endsWith(`\n${verify}\n`));
    count('real starts (tmux, byte-for-byte argv)');
  }
  killPanes(home);
  assertNoCanary('objective, verify command or argument');
});

test('real homes: hostile WORKCELLS_HOME paths start a workcell and run nothing', async () => {
  const gen = generator(prng(SEED + 5));
  for (let i = 0; i < N.realHomes; i++) {
    // A unix socket path must stay under ~104 bytes: /tmp/ + 40 + 6 + /tmux.sock.
    const prefix = `${gen({ slash: false, max: 40 })}-`;
    const h = makeHome(prefix);
    try {
      assert.ok((await ensureHome(h.dir)).ok);
      const engine = new Engine(h.dir, new Tmux(h.dir.socket, h.dir.tmuxConf));
      const r = await engine.start({
        name: 'h',
        repo,
        agent: 'command',
        args: ['/bin/sh', '-c', 'echo hello-from-the-agent; exec sleep 600'],
      });
      assert.ok(r.ok, JSON.stringify(r));
      const log = join(h.dir.runDir('h'), RUN_FILES.log);
      await waitFor(
        () => readFileSync(log, 'utf8').includes('hello-from-the-agent'),
        15_000,
        `agent.log in ${JSON.stringify(h.dir.root)}`,
      );
      // Killed, not ended: a finisher (a node start each) would only make this slower.
      killPanes(h);
      count('real homes (tmux, full start)');
    } finally {
      h.cleanup();
    }
    assert.deepEqual(await leakedProcesses(h), []);
  }
  assertNoCanary('WORKCELLS_HOME');
});
