// ls --resources on real tmux: a workcell whose agent started a busy child holding 64 MB is measured
// with that child (found by the recorded process group/tree, not by name); an idle one is near zero.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { leakedProcesses, makeHome, runCli, waitFor, type TestHome } from '../testing/fixture.js';

let home: TestHome;
beforeEach(() => {
  home = makeHome('wcr-');
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

const cli = (args: string[]) => runCli(args, home.env);

// The home's path is in every argv so the fixture's cleanup finds (and the leak check sees) them.
const BUSY_CHILD = `require('child_process').spawn(process.execPath, ['-e', 'globalThis.b = Buffer.alloc(64 << 20, 1); for (;;) {}', process.argv[1]], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;

test(
  'ls --resources sums a workcell and its children, by process tree',
  { skip: process.platform !== 'linux' },
  async () => {
    const start = (name: string, code: string) =>
      cli([
        'start',
        name,
        '--repo',
        home.dir.root,
        '--agent',
        'command',
        '--',
        process.execPath,
        '-e',
        code,
        home.dir.root,
      ]);
    assert.equal((await start('busy', BUSY_CHILD)).code, 0);
    assert.equal((await start('calm', 'setInterval(() => {}, 1000);')).code, 0);
    const usage = await waitFor(
      async () => {
        const r = await cli(['ls', '--resources', '--json']);
        const u = JSON.parse(r.stdout) as {
          name: string;
          pids: number[];
          cpuPercent: number;
          rssBytes: number;
        }[];
        const busy = u.find((x) => x.name === 'busy');
        return busy && busy.pids.length >= 2 && busy.rssBytes > 64 << 20 && busy.cpuPercent > 20 ? u : null;
      },
      20_000,
      'the busy child to be counted',
    );
    const calm = usage.find((x) => x.name === 'calm')!;
    assert.ok(calm.pids.length >= 1 && calm.cpuPercent < 20, JSON.stringify(calm));
    const table = await cli(['ls', '--resources']);
    assert.match(table.stdout, /^busy +\d+\.\d% +\d+\.\d MB +\d+ process\(es\)$/m);
  },
);
