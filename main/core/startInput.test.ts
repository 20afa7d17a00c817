// A NUL byte cannot pass through argv: a brief holding one used to end `workcell start` with
// "unexpected error (a bug)" and the brief itself in the stack trace. Now it is a BAD_ARGS value that
// names the field, never its text, and nothing is left behind.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Engine } from './engine.js';
import { Tmux } from './tmux.js';
import { CLI, leakedProcesses, liveSessions, makeHome, type TestHome } from './testing/fixture.js';

let home: TestHome;
let repo: string;
let bin: string;

beforeEach(() => {
  home = makeHome('wc-nul-');
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  // A stand-in `claude`: the vendor adapters put the brief in argv, where the NUL used to blow up.
  bin = join(home.dir.root, 'fakebin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(bin, 'claude'), 0o755);
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const BRIEF_TEXT = 'fix the login page then PRIVATE-BRIEF-TEXT';

test('`workcell start --brief` with a NUL byte: a clear error, exit 2, no stack, no brief text', async () => {
  const brief = join(home.dir.root, 'brief.md');
  writeFileSync(brief, `${BRIEF_TEXT}\0 and more`);
  const env = { ...home.env, PATH: `${bin}${delimiter}${process.env.PATH}` };
  const r = await promisify(execFile)(
    process.execPath,
    [CLI, 'start', 'nul1', '--repo', repo, '--agent', 'claude', '--brief', brief],
    { env },
  ).then(
    () => ({ code: 0, stdout: '', stderr: '' }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /the brief file .*brief\.md holds a NUL byte/);
  assert.doesNotMatch(r.stderr + r.stdout, /unexpected error|PRIVATE-BRIEF-TEXT|\n\s+at /);
  assert.ok(!existsSync(home.dir.runDir('nul1')), 'a run dir was left behind');
  assert.deepEqual(liveSessions(home), []);
});

test('a NUL in any field an API client sends is BAD_ARGS naming the field', async () => {
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const base = { name: 'nul2', repo, agent: 'command', args: ['/bin/true'] };
  const cases: Array<[Partial<typeof base> & { objective?: string; verify?: string }, RegExp]> = [
    [{ objective: `${BRIEF_TEXT}\0` }, /^the objective holds a NUL byte/],
    [{ verify: 'true\0' }, /^the verify command holds a NUL byte/],
    [{ args: ['/bin/echo', `a\0b`] }, /^an agent argument holds a NUL byte/],
    [{ repo: `${repo}\0x` }, /^the repository path holds a NUL byte/],
  ];
  for (const [patch, want] of cases) {
    const r = await engine.start({ ...base, ...patch });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'BAD_ARGS');
    assert.match(r.error.message, want);
    assert.doesNotMatch(r.error.message, /PRIVATE-BRIEF-TEXT/);
  }
  assert.ok(!existsSync(home.dir.runDir('nul2')));
});
