// The real claude CLI (pinned, from the conformance cache) against the loopback mock API: a headless
// run with a minted --session-id writes its transcript where vendorTranscript() looks, and the headless
// resume argv of our adapter (`claude -p --resume ID -- PROMPT`) reopens that conversation (the second
// request carries the first prompt; the same transcript grows). Skipped, in one line, without the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS } from '../agents/adapters.js';
import { vendorTranscript } from '../agents/sessionStore.js';
import { binPath } from '../testing/conformance/install.js';
import { closedPort, startMockApi, ANSWER_TEXT } from '../testing/conformance/mockApi.js';
import { vendorByName } from '../testing/conformance/vendors.js';

const claude = vendorByName('claude')!;
const bin = binPath(claude);
const cached = existsSync(bin);

function run(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, argv.slice(1), { env, cwd, encoding: 'utf8', timeout: 120_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? Number(e.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

test(
  'real claude -p: minted id, transcript found where we look, headless resume by id reopens the conversation',
  {
    skip: cached
      ? false
      : `claude ${claude.version} not in the conformance cache (${bin}): npm run conformance installs it`,
  },
  async () => {
    const root = mkdtempSync(join(tmpdir(), 'wc-realclaude-'));
    const bodies: Record<string, unknown>[] = [];
    const mock = await startMockApi({
      scenario: 'text',
      resetAt: Math.floor(Date.now() / 1000) + 3600,
      onRequest: (_p, b) => bodies.push(b),
    });
    try {
      const home = join(root, 'home');
      const cwd = join(root, 'work');
      mkdirSync(home, { recursive: true });
      mkdirSync(cwd, { recursive: true });
      const blackhole = `http://127.0.0.1:${await closedPort()}`;
      const s = claude.setup({
        home,
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
      };
      const id = randomUUID();
      const first = ADAPTERS.claude.launch('Remember the word PELICAN.', [], {
        runDir: root,
        sessionId: id,
        headless: true,
      });
      const r1 = await run(first, env, cwd);
      assert.equal(r1.code, 0, r1.out);
      assert.match(r1.out, new RegExp(ANSWER_TEXT.slice(0, 14)));
      const transcript = await vendorTranscript('claude', id, { cwd, env });
      assert.ok(transcript, `claude wrote no transcript for ${id} where vendorTranscript looks`);
      const size = statSync(transcript).size;
      const requestsBefore = bodies.length;

      const r2 = await run(ADAPTERS.claude.resumeHeadless!(id, 'Which word?', {}), env, cwd);
      assert.equal(r2.code, 0, r2.out);
      assert.ok(statSync(transcript).size > size, 'the same transcript grew');
      const resumed = bodies.slice(requestsBefore).map((b) => JSON.stringify(b.messages ?? ''));
      assert.ok(
        resumed.some((m) => m.includes('PELICAN') && m.includes('Which word?')),
        'the resumed request carries the first turn',
      );
      // The create command is never replayed: claude refuses a reused --session-id.
      const again = await run(first, env, cwd);
      assert.notEqual(again.code, 0, again.out);
    } finally {
      await mock.close();
      rmSync(root, { recursive: true, force: true });
    }
  },
);
