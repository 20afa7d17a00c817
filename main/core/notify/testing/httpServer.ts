// A real HTTP server on 127.0.0.1 (ephemeral port) that records every request and answers from a
// script, for the Slack, Telegram and webhook tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

/** Returns the status to answer with, or 'hang' to never answer. */
export type Responder = (req: Received, index: number) => number | 'hang';

export interface TestServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** `delayMs`: answer each request that long after it arrived (a slow channel, so a test can kill a
 * sender while a request is in flight). */
export async function startServer(
  respond: Responder = () => 200,
  opts: { delayMs?: number } = {},
): Promise<TestServer> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        // not JSON: the test asserts on `body` then
      }
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json };
      received.push(r);
      const status = respond(r, received.length - 1);
      if (status === 'hang') {
        hanging.add(res);
        return;
      }
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status < 300 ? '{"ok":true}' : `{"ok":false,"description":"status ${status}"}`);
      };
      if (opts.delayMs) {
        hanging.add(res);
        setTimeout(() => {
          hanging.delete(res);
          if (!res.destroyed) answer();
        }, opts.delayMs);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
