// A seeded fuzz of the bridge as an AUTHENTICATED client can abuse it (issue 8, S3): random upgrade
// paths, malformed frames, messages over the size limit, bad UTF-8, junk HTTP requests, against a real
// tmux server with a live workcell (so peeks and control sessions really start). The bridge runs in this
// process: anything that throws out of it is an uncaught exception and fails the test. Afterwards a good
// client is still served and no tmux client or terminal session is left behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { Engine } from '../engine.js';
import { Tmux, tmuxEnv } from '../tmux.js';
import { FAKE_AGENT, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { startBridge, type Bridge } from './server.js';
import { RunsDirFleetSource } from './runsDirFleetSource.js';
import { collect, connect, http } from './testing/testClient.js';
import { frame, rawRequest, serverCloseCode, upgradeHead } from './testing/rawWs.js';

/** Change them to explore (WORKCELL_FUZZ_SEED, WORKCELL_FUZZ_CASES); a failure names the seed. */
const SEED = Number(process.env.WORKCELL_FUZZ_SEED ?? 8);
const CASES = Number(process.env.WORKCELL_FUZZ_CASES ?? 300);
/** Sockets in flight at once: every peek and control case spawns a tmux client on two shared cores. */
const BATCH = 10;
/** Every case ends with the client's close frame and FIN, so the server closes each connection at
 * once; a connection still open after this long is a hang, and fails the test. */
const SETTLE_MS = 10_000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Kind = 'path' | 'malformed' | 'huge' | 'utf8' | 'http';
interface Case {
  kind: Kind;
  what: string;
  /** Upgrade path, or the raw HTTP head for `http`. */
  path: string;
  bytes: Buffer;
}

function generate(rnd: () => number): Case[] {
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  // Input on a control socket reaches the pane (a random ^C ends the agent): it gets its own workcell.
  const endpoints = ['/events', '/peek/live', '/control/typed', '/peek/nosuch'] as const;
  const junkSegment = (): string =>
    pick([
      () => '%E0%A4%A',
      () => '%',
      () => '%zz',
      () => '%C0%AF',
      () => '..',
      () => 'x'.repeat(1 + int(5000)),
      () => encodeURIComponent(bytes(1 + int(20)).toString('latin1')),
      () => '\u00e9\u{1F600}',
      () => 'live/extra',
      () => '%2F..%2F',
    ])();
  const badUtf8 = (): Buffer =>
    pick([
      () => Buffer.from([0xc3, 0x28]),
      () => Buffer.from([0xe2, 0x82]),
      () => Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
      () => Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
      () => Buffer.concat([Buffer.from('{"type":"ack","bytes":'), Buffer.from([0xff]), Buffer.from('}')]),
      () => Buffer.from([0xc0, 0xaf]), // overlong '/'
    ])();
  const malformed = (): [string, Buffer] =>
    pick<() => [string, Buffer]>([
      () => [`reserved opcode`, frame(pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]), bytes(int(50)))],
      () => [`RSV bits`, frame(pick([1, 2]), bytes(int(50)), { rsv: 1 + int(7) })],
      () => [`unmasked`, frame(pick([1, 2]), Buffer.from('hello'), { mask: false })],
      () => [`control frame over 125 bytes`, frame(0x9, bytes(126 + int(200)))],
      () => [`fragmented control frame`, frame(0x9, bytes(5), { fin: false })],
      () => [`continuation with nothing to continue`, frame(0x0, bytes(10))],
      () => [`close with a 1-byte body`, frame(0x8, Buffer.from([3]))],
      () => [`close with an invalid code`, frame(0x8, Buffer.from([0x03, 0xe7]))],
      () => [
        `length over 2^53`,
        Buffer.concat([Buffer.from([0x82, 0xff, 0x00, 0x20]), Buffer.alloc(6, 0xff), bytes(8)]),
      ],
      () => [`random bytes`, bytes(1 + int(300))],
      () => [
        `text then a new message mid-fragment`,
        Buffer.concat([frame(1, Buffer.from('a'), { fin: false }), frame(1, Buffer.from('b'))]),
      ],
      () => [
        `a hostile ack`,
        frame(
          1,
          Buffer.from(
            pick(['{"type":"ack","bytes":-1e308}', '{"type":"ack","bytes":"x"}', '[]', 'null', '{']),
          ),
        ),
      ],
    ])();
  const out: Case[] = [];
  for (let i = 0; i < CASES; i++) {
    const kind = pick<Kind>(['path', 'malformed', 'malformed', 'huge', 'utf8', 'http']);
    const endpoint = pick(endpoints);
    switch (kind) {
      case 'path': {
        const path = `${pick(['/peek/', '/control/', '/events/', '/', '/api/workcells/'])}${junkSegment()}${pick(['', '?x=%', '#frag', '/..'])}`;
        out.push({ kind, what: `upgrade ${path.slice(0, 60)}`, path, bytes: frame(2, Buffer.from('x')) });
        break;
      }
      case 'malformed': {
        const [what, b] = malformed();
        out.push({ kind, what: `${what} on ${endpoint}`, path: endpoint, bytes: b });
        break;
      }
      case 'huge': {
        // Just over the 1 MiB maxPayload, in one frame or as fragments that add up to it.
        const size = 1_048_577 + int(100_000);
        const b =
          rnd() < 0.5
            ? frame(pick([1, 2]), Buffer.alloc(size, 0x61))
            : Buffer.concat([
                frame(2, Buffer.alloc(size >> 1, 1), { fin: false }),
                frame(0, Buffer.alloc(size - (size >> 1), 2)),
              ]);
        out.push({ kind, what: `${size} bytes on ${endpoint}`, path: endpoint, bytes: b });
        break;
      }
      case 'utf8':
        out.push({ kind, what: `bad UTF-8 on ${endpoint}`, path: endpoint, bytes: frame(1, badUtf8()) });
        break;
      case 'http': {
        const method = pick(['GET', 'POST', 'HEAD', 'DELETE', 'PUT', 'OPTIONS', 'X%Y']);
        const target =
          pick(['/api/workcells/', '/', '/peek/', '//', '*', 'http://[', '/api/']) + junkSegment();
        out.push({
          kind,
          what: `${method} ${target.slice(0, 60)}`,
          path: target,
          bytes: Buffer.from(`${method} ${target} HTTP/1.1\r\n`),
        });
        break;
      }
    }
  }
  return out;
}

/** Ends the client's side (a close frame, then FIN: random bytes may be a valid frame prefix the
 * server is still waiting to complete) and resolves with how the server closed: its close code, 'cut'
 * without a close frame, or 'left open' (a hang). */
async function settle(socket: Socket, rest: Buffer): Promise<string> {
  const chunks = [rest];
  const outcome = (): string => {
    const code = serverCloseCode(Buffer.concat(chunks));
    return code === null ? 'cut' : `close ${code}`;
  };
  if (socket.destroyed) return outcome();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('left open');
    }, SETTLE_MS);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(outcome());
    });
    // ECONNRESET from a server that destroyed the socket: the 'close' after it says so
    socket.on('error', () => undefined);
    socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
  });
}

describe('WebSocket fuzz of the bridge (seeded)', () => {
  let home: TestHome;
  let bridge: Bridge;
  const logs: string[] = [];

  before(async () => {
    home = makeHome('wc-fz-');
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    const staticDir = mkdtempSync(join(tmpdir(), 'wc-fz-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    bridge = await startBridge({
      engine,
      fleet: new RunsDirFleetSource(engine),
      staticDir,
      log: (l) => logs.push(l),
    });
    const repo = mkdtempSync(join(tmpdir(), 'wc-fz-repo-'));
    for (const name of ['live', 'typed']) {
      const r = await engine.start({
        name,
        repo,
        agent: 'command',
        args: ['node', FAKE_AGENT, '--print', 'still here', '--sleep', '3600000'],
      });
      assert.ok(r.ok, JSON.stringify(r));
    }
  });

  after(async () => {
    await bridge.close();
    home.cleanup();
  });

  it(`${CASES} hostile cases (seed ${SEED}): every bad client loses only its own connection`, async (t) => {
    const cases = generate(mulberry32(SEED));
    const counts: Record<string, number> = {};
    const hangs: string[] = [];
    const count = (k: string): void => void (counts[k] = (counts[k] ?? 0) + 1);
    for (let i = 0; i < cases.length; i += BATCH) {
      await Promise.all(
        cases.slice(i, i + BATCH).map(async (c) => {
          count(`kind ${c.kind}`);
          const head =
            c.kind === 'http'
              ? Buffer.concat([
                  c.bytes,
                  Buffer.from(
                    `Host: 127.0.0.1:${bridge.port}\r\nAuthorization: Bearer ${bridge.token}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
                  ),
                ])
              : upgradeHead(bridge, c.path);
          const { socket, status, rest } = await rawRequest(bridge.port, head);
          count(`status ${status}`);
          if (status === 101) socket.write(c.bytes);
          const outcome = await settle(socket, rest);
          count(`then ${outcome}`);
          if (outcome === 'left open') hangs.push(`${outcome}: ${c.what}`);
        }),
      ).catch((e: unknown) => {
        throw new Error(`seed ${SEED}, cases ${i}-${i + BATCH}: ${String(e)}`);
      });
      // Between batches: the server still answers a good client.
      const ok = await http(bridge, 'GET', '/api/workcells');
      assert.equal(ok.status, 200, `seed ${SEED}: not serving after case ${i + BATCH}`);
    }
    t.diagnostic(`fuzz counts: ${JSON.stringify(counts)}`);
    // Every kind ran, the refusals happened and the malformed frames were cut off by the server.
    for (const k of ['path', 'malformed', 'huge', 'utf8', 'http'])
      assert.ok((counts[`kind ${k}`] ?? 0) > CASES / 30, k);
    assert.ok((counts['status 101'] ?? 0) > CASES / 3);
    assert.ok((counts['status 400'] ?? 0) > CASES / 30);
    assert.deepEqual(hangs, [], 'connections the server never closed, or failed to open');
    // ws's verdicts: 1002 protocol error, 1007 invalid UTF-8, 1009 message too big.
    for (const code of [1002, 1007, 1009])
      assert.ok((counts[`then close ${code}`] ?? 0) > CASES / 60, `close ${code}`);
  });

  it('afterwards a good client still gets the fleet and a live peek, and nothing is left attached', async () => {
    await waitFor(() => bridge.sessions().length === 0, 10_000, 'fuzzed sessions to close');
    const events = await connect(bridge, '/events');
    assert.ok('ws' in events);
    const fleet = (await events.first).toString();
    assert.match(fleet, /"name":"live"/);
    events.ws.close();
    const peek = await connect(bridge, '/peek/live');
    assert.ok('ws' in peek);
    const out = collect(peek.ws);
    await waitFor(() => out.text().includes('still here'), 10_000, 'the pane on a good peek');
    peek.ws.close();
    await waitFor(
      () =>
        execFileSync('tmux', ['-S', home.dir.socket, 'list-clients', '-F', '#{client_name}'], {
          encoding: 'utf8',
          env: tmuxEnv(),
        }).trim() === '',
      10_000,
      'every tmux client to detach',
    );
    assert.equal(
      logs.filter((l) => l.startsWith('bug')).length,
      0,
      `no request was a bug: ${logs.filter((l) => l.startsWith('bug')).join('\n')}`,
    );
  });
});
