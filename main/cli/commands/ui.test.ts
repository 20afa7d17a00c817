// `workcell ui` as a user runs it (real process, temp WORKCELLS_HOME, private tmux socket, real HTTP and
// WebSocket on 127.0.0.1). The token never reaches the argv of the browser opener (other local users
// read /proc/PID/cmdline); the opener gets a 0600 hand-over file. And no authenticated client can
// bring the process down: the four crashes from issue 8 (S3) are replayed against it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, makeHome, waitFor, type TestHome } from '../../core/testing/fixture.js';
import { closed, frame, rawRequest, upgradeHead, type Target } from '../../core/bridge/testing/rawWs.js';
import { http, connect } from '../../core/bridge/testing/testClient.js';

/** The printed URL carries the token in its fragment (`/#token=T`). */
function tokenOf(printed: string): string {
  const u = new URL(printed);
  return new URLSearchParams(u.hash.slice(1)).get('token') ?? u.searchParams.get('token') ?? '';
}

// Bounded: a socket the server never closes, or a process that never exits, fails instead of hanging.
describe('workcell ui', { timeout: 180_000 }, () => {
  let home: TestHome;
  let child: ChildProcess;
  let exited: Promise<unknown>;
  let printed = '';
  let stderr = '';
  let target: Target & { url: string };
  const openerLog = (): string => join(home.dir.root, 'opener.log');

  before(async () => {
    home = makeHome('wc-ui-');
    // A fake `xdg-open` first on PATH: it records the argv the opener was given, as a browser would
    // show it in /proc/PID/cmdline.
    const bin = join(home.dir.root, 'fakebin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'xdg-open'),
      '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done >> "$OPENER_LOG"\n',
    );
    chmodSync(join(bin, 'xdg-open'), 0o755);
    child = spawn(process.execPath, [CLI, 'ui', '--no-supervise'], {
      env: { ...home.env, PATH: `${bin}:${process.env.PATH ?? ''}`, OPENER_LOG: openerLog() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((r) => child.once('exit', r));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
    const line = await waitFor(
      () => printed.split('\n').find((l) => l.startsWith('http://')),
      15_000,
      'the printed URL',
    );
    const u = new URL(line.trim());
    target = { port: Number(u.port), token: tokenOf(line.trim()), url: u.origin };
  });

  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  after(async () => {
    if (running()) {
      child.kill('SIGTERM');
      // A stop that hangs is a failure of its own (the last test), not a reason to hang the suite.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    home.cleanup();
  });

  const alive = (): void => assert.ok(running(), `workcell ui died: ${stderr}`);
  /** Each step bounded on its own: a hang names the step and shows what `workcell ui` logged (a fresh
   * clone once hung 180 s in the 1.1 MB case without saying where). */
  const step = async <T>(what: string, p: Promise<T>, ms = 45_000): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${what}: nothing after ${ms} ms; ui ${running() ? 'running' : 'gone'}; stderr:\n${stderr}`,
            ),
          ),
        ms,
      );
    });
    try {
      return await Promise.race([p, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  const stillServes = async (): Promise<void> => {
    alive();
    const r = await step('GET /api/workcells', http(target, 'GET', '/api/workcells'));
    assert.equal(r.status, 200, 'a good client is still served');
    const ws = await step('open /events', connect(target, '/events'));
    assert.ok('ws' in ws, 'a good client can still open /events');
    await step('the first fleet frame', ws.first);
    ws.ws.close();
  };

  it('prints the tokened URL on its own stdout only', async () => {
    assert.ok(target.token.length >= 40, printed);
    await waitFor(() => stderr.includes('Ctrl+C stops'), 10_000, 'the stderr banner');
    assert.ok(!stderr.includes(target.token), `the token is on stderr (a log file?): ${stderr}`);
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    assert.ok(!cmdline.includes(target.token));
  });

  it('opens a 0600 hand-over file, never a URL with the token, in the opener argv', async () => {
    const argv = await waitFor(
      () => (existsSync(openerLog()) ? readFileSync(openerLog(), 'utf8') : null),
      10_000,
      'the opener to run',
    );
    assert.ok(!argv.includes(target.token), `the token is in the opener argv: ${argv}`);
    const args = argv.trim().split('\n');
    assert.equal(args.length, 1, argv);
    assert.match(args[0]!, /^file:\/\//);
    const file = fileURLToPath(args[0]!);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'hand-over file mode');
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes(`${target.url}/#token=${target.token}`), 'the file hands the token over');
  });

  it('a bad percent-escape in a peek path costs that client its connection, not the server', async () => {
    const { socket, status } = await rawRequest(target.port, upgradeHead(target, '/peek/%E0%A4%A'));
    assert.equal(status, 400);
    await closed(socket);
    await stillServes();
  });

  it('a malformed % in an API path answers 400, not 500', async () => {
    const r = await http(target, 'GET', '/api/workcells/%E0%A4%A');
    assert.equal(r.status, 400, r.body);
    assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'BAD_ARGS');
    await stillServes();
  });

  const eventsAbuse: [string, Buffer][] = [
    ['a 1.1 MB message', frame(0x2, Buffer.alloc(1_100_000, 0x61))],
    ['invalid UTF-8 in a text frame', frame(0x1, Buffer.from([0xc3, 0x28, 0xff, 0xfe]))],
    ['an unmasked frame', frame(0x1, Buffer.from('hi'), { mask: false })],
  ];
  for (const [what, bytes] of eventsAbuse) {
    it(`${what} on /events closes that socket and nothing else`, async () => {
      const { socket, status } = await step(
        'the upgrade',
        rawRequest(target.port, upgradeHead(target, '/events')),
      );
      assert.equal(status, 101);
      socket.write(bytes);
      // ws closes at once with 1009/1007/1002, and destroys the socket 30 s later at the latest.
      await step('the server closing that socket', closed(socket));
      await stillServes();
    });
  }

  it('a malformed frame right after the peek handshake closes that socket and nothing else', async () => {
    // No such workcell: the bridge is still asking the engine when the bad frame lands.
    for (const bad of [frame(0x3, Buffer.from('x')), frame(0x1, Buffer.from('y'), { rsv: 5 })]) {
      const { socket, status } = await rawRequest(target.port, upgradeHead(target, '/peek/nosuch'));
      assert.equal(status, 101);
      socket.write(bad);
      await closed(socket);
    }
    await stillServes();
  });

  it('removes the hand-over file when it stops', async () => {
    const file = fileURLToPath(readFileSync(openerLog(), 'utf8').trim());
    child.kill('SIGTERM');
    await exited;
    assert.equal(child.exitCode, 0, stderr);
    assert.equal(existsSync(file), false);
  });
});
