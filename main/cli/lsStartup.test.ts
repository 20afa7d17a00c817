// `workcell ls` starts without loading what only other commands need: its time at 100-500 workcells was
// mostly module loading, and the YAML library (pipeline definitions) alone was ~10% of its CPU.
import { test, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { makeHome, CLI, type TestHome } from '../core/testing/fixture.js';

let home: TestHome;
beforeEach(() => (home = makeHome()));
afterEach(() => home.cleanup());

// Runs the CLI in a real process and reports, at exit, the CommonJS packages it loaded (an ES module
// importing a CommonJS one goes through require's cache).
const PROBE = `
import { createRequire } from 'node:module';
const req = createRequire(import.meta.url);
process.argv = [process.execPath, 'workcell', ...JSON.parse(process.env.PROBE_ARGS)];
process.on('exit', () => {
  const pkgs = new Set(Object.keys(req.cache).map((k) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(k)?.[1]).filter(Boolean));
  process.stderr.write('\\nLOADED ' + JSON.stringify([...pkgs].sort()) + '\\n');
});
await import(process.env.PROBE_MAIN);
`;

function loadedBy(args: string[]): Promise<{ code: number; stdout: string; loaded: string[] }> {
  const main = pathToFileURL(join(CLI, '..', '..', 'dist', 'main', 'cli', 'main.js')).href;
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ['--input-type=module', '-e', PROBE],
      { env: { ...home.env, PROBE_ARGS: JSON.stringify(args), PROBE_MAIN: main }, encoding: 'utf8' },
      (e, stdout, stderr) => {
        const m = /\nLOADED (.*)\n/.exec(stderr);
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : 1) : 0,
          stdout,
          loaded: m ? (JSON.parse(m[1]!) as string[]) : ['(no report: ' + stderr + ')'],
        });
      },
    ),
  );
}

test('ls --json loads no YAML parser (pipeline definitions load on use)', async () => {
  const ls = await loadedBy(['ls', '--json']);
  assert.equal(ls.code, 0);
  assert.deepEqual(JSON.parse(ls.stdout), []);
  assert.ok(ls.loaded.includes('commander'), `the probe sees CommonJS packages: ${ls.loaded.join(' ')}`);
  assert.ok(!ls.loaded.includes('yaml'), `ls loaded: ${ls.loaded.join(' ')}`);
});
