// A detail request whose client went away does no more work: real HTTP on 127.0.0.1, the real route
// handler, an engine stub whose status() the test releases after the client has closed the request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkcellSummary } from '../../common/workcell.js';
import { ControlDir } from '../paths.js';
import { ok } from '../result.js';
import { handleApi } from './api.js';
import type { BridgeEngine } from './engineApi.js';
import { waitFor } from '../testing/fixture.js';

function stubEngine() {
  const calls = { status: 0, artifacts: 0 };
  const gates: Array<() => void> = [];
  const engine = {
    dir: new ControlDir('/nonexistent-wc-home'),
    status: async (name: string) => {
      calls.status += 1;
      await new Promise<void>((r) => gates.push(r));
      return ok({ name } as WorkcellSummary);
    },
    readArtifact: async () => {
      calls.artifacts += 1;
      return ok('');
    },
  } as unknown as BridgeEngine;
  return { engine, calls, release: () => gates.splice(0).forEach((g) => g()) };
}

async function serve(
  engine: BridgeEngine,
): Promise<{ server: Server; port: number; seen: { handled: number; closed: number } }> {
  const seen = { handled: 0, closed: 0 };
  const server = createServer((req, res) => {
    res.once('close', () => (seen.closed += 1));
    void handleApi(engine, req, res, req.url ?? '/').then(() => (seen.handled += 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

test('an abandoned detail request reads no artifacts and sends nothing; a kept one is answered', async (t) => {
  const { engine, calls, release } = stubEngine();
  const { server, port, seen } = await serve(engine);
  t.after(() => new Promise((r) => server.close(r)));

  // The client goes away while the server is still reading the status.
  const gone = request({ host: '127.0.0.1', port, path: '/api/workcells/left-behind' });
  gone.on('error', () => undefined); // ECONNRESET from our own destroy
  gone.end();
  await waitFor(() => calls.status === 1, 5_000, 'the server to start on the request');
  gone.destroy();
  // The close reaches the server before the status is released.
  await waitFor(() => seen.closed === 1, 5_000, 'the server to see the client go');
  release();
  await waitFor(() => seen.handled === 1, 5_000, 'the handler to finish');
  assert.equal(calls.artifacts, 0, 'no artifact was read for a client that left');

  // The same route with a client that stays: all five artifacts read and an answer sent.
  const body = new Promise<string>((resolve, reject) => {
    const kept = request({ host: '127.0.0.1', port, path: '/api/workcells/kept' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    kept.on('error', reject);
    kept.end();
  });
  await waitFor(() => calls.status === 2, 5_000, 'the second request');
  release();
  const answer = JSON.parse(await body) as { ok: boolean; value?: { summary: { name: string } } };
  assert.equal(answer.ok, true);
  assert.equal(answer.value?.summary.name, 'kept');
  assert.equal(calls.artifacts, 5);
});
