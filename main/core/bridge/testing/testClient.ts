// Test helpers for the bridge: HTTP and WebSocket clients that set Host/Origin/token explicitly, so a
// test can forge exactly the header it means to.
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../../../common/bridge.js';
import type { Bridge } from '../server.js';

/** What a client needs to know about a bridge (a `workcell ui` process gives only these). */
export type BridgeAddress = Pick<Bridge, 'port' | 'token' | 'url'>;

export interface Forge {
  host?: string;
  origin?: string | null;
  token?: string | null;
  cookie?: string;
}

export function http(
  bridge: BridgeAddress,
  method: string,
  path: string,
  forge: Forge = {},
  body?: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: forge.host ?? `127.0.0.1:${bridge.port}` };
    const token = forge.token === undefined ? bridge.token : forge.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    const origin = forge.origin === undefined ? bridge.url : forge.origin;
    if (origin !== null) headers.Origin = origin;
    if (forge.cookie) headers.Cookie = forge.cookie;
    const data = body === undefined ? undefined : JSON.stringify(body);
    if (data) headers['Content-Type'] = 'application/json';
    const req = request({ host: '127.0.0.1', port: bridge.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Opens a WebSocket; resolves with the socket once open, or with the HTTP status it was refused with. */
export function connect(
  bridge: BridgeAddress,
  path: string,
  forge: Forge = {},
): Promise<{ ws: WebSocket; first: Promise<Buffer> } | { refused: number }> {
  const token = forge.token === undefined ? bridge.token : forge.token;
  const protocols = token === null ? [] : [BRIDGE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
  const headers: Record<string, string> = {};
  if (forge.host) headers.Host = forge.host;
  if (forge.cookie) headers.Cookie = forge.cookie;
  const origin = forge.origin === undefined ? bridge.url : forge.origin;
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}${path}`, protocols, {
    headers,
    ...(origin !== null ? { origin } : {}),
  });
  // The server's first frame can come in the same read as the handshake: ws then emits it right after
  // 'open', before a listener added once this promise resolves exists (a fresh-clone run waited 45 s
  // for a fleet frame that had come and gone). So the first message is caught from the start.
  const first = new Promise<Buffer>((r) => ws.once('message', (d: Buffer) => r(d)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, first }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

/** Collects a terminal socket's binary output as text, and its JSON frames. */
export function collect(ws: WebSocket): { text(): string; frames: unknown[] } {
  const chunks: Buffer[] = [];
  const frames: unknown[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) chunks.push(data);
    else frames.push(JSON.parse(data.toString('utf8')));
  });
  return { text: () => Buffer.concat(chunks).toString('utf8'), frames };
}
