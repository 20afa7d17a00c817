// A real vendor CLI (pinned, from the conformance cache) run headless against the loopback mock API in
// a throwaway HOME, for the real-CLI session tests (continuity/realClaudeResume.test.ts and its siblings). Not a
// test itself. Such a test skips, in one line, when the CLI is not in the cache: the same rule as
// the claude one (`npm run conformance` installs the pins; CI's live conformance run is separate).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS } from '../agents/adapters.js';
import { binPath } from './conformance/install.js';
import { ANSWER_TEXT, closedPort, startMockApi, type Scenario } from './conformance/mockApi.js';
import { vendorByName, type Vendor } from './conformance/vendors.js';

/** false when the pinned CLI is cached, else the one-line reason the test is skipped. */
export function realCliSkip(name: Vendor['name']): string | false {
  const v = vendorByName(name)!;
  return existsSync(binPath(v))
    ? false
    : `${name} ${v.version} not in the conformance cache (${binPath(v)}): npm run conformance installs it`;
}

export interface RealRun {
  code: number;
  out: string;
  err: string;
}

export interface RealCli {
  root: string;
  /** HOME of the CLI. */
  home: string;
  /** Where the vendor's own config and store live when it is not HOME (the vendor's home override
   * points there), so a test proves the override is honoured where we look. */
  vendorHome: string;
  cwd: string;
  env: Record<string, string>;
  /** Every request body the mock received, in order. */
  bodies: string[];
  run(argv: readonly string[]): Promise<RealRun>;
  close(): Promise<void>;
}

/** A mock answering `text` (or `o.scenario`), a HOME, a work dir, and the vendor's setup (config written under
 * `vendorHome`; the env points the vendor there). Proxies go to a closed port: nothing leaves. */
export async function realCli(name: Vendor['name'], o: { scenario?: Scenario } = {}): Promise<RealCli> {
  const v = vendorByName(name)!;
  const bin = binPath(v);
  const root = mkdtempSync(join(tmpdir(), `wc-real${name}-`));
  const home = join(root, 'home');
  const vendorHome = join(root, 'vhome');
  const cwd = join(root, 'work');
  for (const d of [home, vendorHome, cwd]) mkdirSync(d, { recursive: true });
  const bodies: string[] = [];
  const mock = await startMockApi({
    scenario: o.scenario ?? 'text',
    resetAt: Math.floor(Date.now() / 1000) + 3600,
    onRequest: (_p, b) => bodies.push(JSON.stringify(b)),
  });
  const blackhole = `http://127.0.0.1:${await closedPort()}`;
  const s = v.setup({
    home: vendorHome,
    cwd,
    baseUrl: mock.url,
    mode: 'headless',
    prompt: 'x',
    oauth: false,
    hookArgs: [],
  });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    HTTP_PROXY: blackhole,
    HTTPS_PROXY: blackhole,
    NO_PROXY: '127.0.0.1,localhost',
    ...s.env,
    ...overrides(name, vendorHome),
  };
  const children = new Set<ReturnType<typeof spawn>>();
  return {
    root,
    home,
    vendorHome,
    cwd,
    env,
    bodies,
    run: (argv) =>
      new Promise((resolve) => {
        // stdin closed: codex exec and opencode run read a piped stdin as more of the prompt.
        const p = spawn(bin, argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
        children.add(p);
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
        p.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
        // A loaded 2-core CI machine: opencode's first start alone took over a minute here.
        const timer = setTimeout(() => p.kill('SIGKILL'), 240_000);
        p.on('close', (code, signal) => {
          clearTimeout(timer);
          children.delete(p);
          resolve({ code: code ?? (signal ? 128 : 1), out, err });
        });
      }),
    async close() {
      for (const p of children) p.kill('SIGKILL');
      await mock.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

// Each vendor's own home override, pointed at the folder its setup wrote to (codex and copilot get
// theirs from the setup: CODEX_HOME, COPILOT_HOME).
function overrides(name: Vendor['name'], vendorHome: string): Record<string, string> {
  switch (name) {
    case 'claude':
      return { CLAUDE_CONFIG_DIR: vendorHome }; // reads <dir>/.claude.json, writes <dir>/projects
    case 'gemini':
      return { GEMINI_CLI_HOME: vendorHome }; // <dir>/.gemini
    case 'opencode':
      return {
        XDG_CONFIG_HOME: join(vendorHome, '.config'),
        XDG_DATA_HOME: join(vendorHome, '.local', 'share'),
        XDG_STATE_HOME: join(vendorHome, '.local', 'state'),
        XDG_CACHE_HOME: join(vendorHome, '.cache'),
      };
    default:
      return {};
  }
}

/** Did some request after `from` carry the first turn and the new one (the conversation reopened)? */
export const carriesBoth = (bodies: readonly string[], from: number, a: string, b: string): boolean =>
  bodies.slice(from).some((x) => x.includes(a) && x.includes(b));

/** The conversation every real-CLI session test has: a word to remember, then a question about it. */
export const FIRST_TURN = 'Remember the word PELICAN.';
export const RESUME_TURN = 'Which word?';

/** The first headless turn with our launch argv (a minted id where given), which must succeed; with
 * `answer`, the mock's answer is in its plain output (not for --json output). */
export async function firstTurn(
  r: RealCli,
  name: Vendor['name'],
  o: { sessionId?: string; args?: string[]; answer?: boolean } = {},
): Promise<{ argv: string[]; run: RealRun }> {
  const argv = ADAPTERS[name].launch(FIRST_TURN, o.args ?? [], {
    runDir: r.root,
    sessionId: o.sessionId,
    headless: true,
  });
  const run = await r.run(argv);
  assert.equal(run.code, 0, run.out + run.err);
  if (o.answer) assert.match(run.out, new RegExp(ANSWER_TEXT.slice(0, 14)));
  return { argv, run };
}

/** Runs a headless resume (`argv`) and checks it reopened the conversation: exit 0, a request after
 * it carries the first turn and the new one, and the vendor's transcript file (where it keeps one)
 * grew rather than a new one starting. */
export async function assertResumeReopens(
  r: RealCli,
  argv: readonly string[],
  transcript: string | null,
): Promise<void> {
  const size = transcript ? statSync(transcript).size : 0;
  const before = r.bodies.length;
  const run = await r.run(argv);
  assert.equal(run.code, 0, run.out + run.err);
  if (transcript) assert.ok(statSync(transcript).size > size, `the same transcript grew (${transcript})`);
  assert.ok(
    carriesBoth(r.bodies, before, 'PELICAN', RESUME_TURN),
    'the resumed request carries the first turn',
  );
}
