// Test helpers that speak WebSocket by hand: a real client library refuses to send a malformed frame,
// bad UTF-8 in a text frame or an unmasked frame, which is exactly what a hostile client sends.
import { randomBytes } from 'node:crypto';
import { connect as tcp, type Socket } from 'node:net';
import { BRIDGE_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../../../common/bridge.js';

export interface Target {
  port: number;
  token: string;
}

/** Sends `head` (a raw request head, CRLFs included) and resolves with the socket and the status line
 * once the response head has arrived; the socket stays open for frames, and `rest` holds what came
 * after the head in the same read (the first frames). */
export function rawRequest(
  port: number,
  head: string | Buffer,
): Promise<{ socket: Socket; status: number; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = tcp({ host: '127.0.0.1', port });
    let got = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(got.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      resolve({ socket, status, rest: got.subarray(end + 4) });
    };
    socket.on('data', onData);
    // The server may close before answering anything (a destroyed upgrade): status 0.
    socket.once('close', () => resolve({ socket, status: 0, rest: Buffer.alloc(0) }));
    socket.once('error', reject);
    socket.write(head);
  });
}

/** The head of an authenticated upgrade to `path`, as the dashboard sends it. */
export function upgradeHead(t: Target, path: string): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${t.port}`,
    `Origin: http://127.0.0.1:${t.port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${BRIDGE_PROTOCOL}, ${TOKEN_PROTOCOL_PREFIX}${t.token}`,
    '',
    '',
  ].join('\r\n');
}

export interface FrameOptions {
  fin?: boolean;
  /** RSV1-3 bits (0-7); anything but 0 is a protocol error without an extension. */
  rsv?: number;
  /** Clients must mask; false makes a frame the server must refuse. */
  mask?: boolean;
  /** Overrides the length field (a lie about the payload size). */
  declaredLength?: number;
}

/** One WebSocket frame, built byte by byte (RFC 6455 §5.2). */
export function frame(opcode: number, payload: Buffer, o: FrameOptions = {}): Buffer {
  const len = o.declaredLength ?? payload.length;
  const b0 = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f);
  const maskBit = (o.mask ?? true) ? 0x80 : 0;
  let head: Buffer;
  if (len < 126) head = Buffer.from([b0, maskBit | len]);
  else if (len < 65_536) {
    head = Buffer.alloc(4);
    head[0] = b0;
    head[1] = maskBit | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!(o.mask ?? true)) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i % 4]!;
  return Buffer.concat([head, key, masked]);
}

/** The close code in the server's frames (unmasked, RFC 6455 §5.2), or null when it sent no close
 * frame (the connection was cut, or is still open). */
export function serverCloseCode(data: Buffer): number | null {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = data[at]! & 0x0f;
    let len = data[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (at + 4 > data.length) return null;
      len = data.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (at + 10 > data.length) return null;
      len = Number(data.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (opcode === 0x8) return len >= 2 && at + head + 2 <= data.length ? data.readUInt16BE(at + head) : 1005;
    at += head + len;
  }
  return null;
}

/** Resolves once the server has closed (or reset) the connection. */
export function closed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    // ECONNRESET from a server that destroyed the socket: closed too
    socket.once('error', () => undefined);
    socket.resume();
  });
}
