// `workcell notify test` as a real process in a temp WORKCELLS_HOME. The command is registered on a bare
// program here so the test does not depend on main.ts wiring; exit codes and stdout/stderr are real.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from '../../core/notify/testing/httpServer.js';

const here = dirname(fileURLToPath(import.meta.url));
const HARNESS = `
import { Command } from 'commander';
import { command } from ${JSON.stringify(pathToFileURL(join(here, 'notify.js')).href)};
import { makeContext } from ${JSON.stringify(pathToFileURL(join(here, '..', 'context.js')).href)};
const program = new Command('workcell').exitOverride();
command.register(program, () => makeContext());
await program.parseAsync(process.argv);
`;
const root = mkdtempSync(join(tmpdir(), 'wc-cli-notify-'));
after(() => rmSync(root, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ['--input-type=module', '-e', HARNESS, 'workcell', ...args],
      // cwd inside the repo so `commander` resolves from node_modules.
      { env: { ...process.env, WORKCELLS_HOME: root }, encoding: 'utf8', cwd: here },
      (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
    ),
  );
}

test('no notifiers: exit 3 with an example snippet', async () => {
  const r = await run(['notify', 'test']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    /no notifiers are configured in .*settings\.json; for example:\n\{\n {2}"notifiers"/,
  );
  const bad = await run(['notify', 'test', 'pager', '--json']);
  assert.equal(bad.code, 2);
  assert.equal(JSON.parse(bad.stdout).error.code, 'BAD_ARGS');
});

test('per-notifier results, non-zero exit on any failure, secrets redacted in --json', async () => {
  const srv = await startServer((r) => (r.path.includes('bad') ? 401 : 200));
  try {
    const out = join(root, 'cmd.txt');
    writeFileSync(
      join(root, 'settings.json'),
      JSON.stringify({
        notifiers: [
          {
            type: 'command',
            argv: [
              process.execPath,
              '-e',
              'require("fs").writeFileSync(process.argv[1], process.env.WORKCELL_STATE)',
              out,
            ],
          },
          { type: 'telegram', token: 'bad-SECRET-TOKEN', chatId: 7, apiBase: srv.url },
          { type: 'slack', url: `${srv.url}/good-SLACKSECRET` },
        ],
      }),
    );
    const r = await run(['notify', 'test', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const { results } = JSON.parse(r.stdout) as {
      results: Array<{ notifier: string; ok: boolean; error?: string }>;
    };
    assert.deepEqual(
      results.map((x) => [x.notifier, x.ok]),
      [
        ['command', true],
        ['telegram', false],
        ['slack', true],
      ],
    );
    assert.match(results[1]!.error!, /^HTTP 401/);
    assert.equal(readFileSync(out, 'utf8'), 'done');
    for (const s of ['SECRET-TOKEN', 'SLACKSECRET']) assert.ok(!(r.stdout + r.stderr).includes(s), s);
    assert.equal(srv.received.find((x) => x.path.includes('bad'))?.path, '/botbad-SECRET-TOKEN/sendMessage');

    const only = await run(['notify', 'test', 'slack']);
    assert.equal(only.code, 0, only.stderr);
    assert.match(only.stdout, /^ok {6}slack {2}\d+ ms\n$/);
  } finally {
    await srv.close();
  }
});

test('broken settings: exit 2 naming the file and the field', async () => {
  writeFileSync(join(root, 'settings.json'), JSON.stringify({ notifiers: [{ type: 'webhook' }] }));
  const r = await run(['notify', 'test']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /settings\.json: invalid settings: notifiers\[0\]\.url: /);
});
