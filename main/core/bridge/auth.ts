// Who may talk to the bridge (DESIGN.md §5). Local WebSocket hijacking is a known class of CVE in web
// terminals: any page the user visits can open ws://127.0.0.1:PORT, and DNS rebinding lets a foreign
// site reach it under its own Host. So every request needs the exact Host, every API call and upgrade
// the per-launch token, and every upgrade and non-GET request also the exact Origin.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_PROTOCOL_PREFIX } from '../../common/bridge.js';

/** 32 random bytes: unguessable, and short enough for a URL a user pastes over SSH. base64url, so it
 * goes into a URL fragment and a WebSocket subprotocol unescaped. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison. Hashing first makes both sides the same length, so neither the content
 * nor the length of the secret leaks through timing. */
export function tokenEquals(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface AuthPolicy {
  token: string;
  /** `127.0.0.1:<port>`, exact. */
  host: string;
  /** `http://127.0.0.1:<port>` plus an optional extra origin (the Electron renderer's scheme). */
  origins: readonly string[];
  /** sha256 hex of rotated tokens (stableBridge.ts): refused all the same, but told as "rotated". */
  retired?: readonly string[];
}

export type Refusal = { ok: false; reason: string; rotated?: boolean };
export type AuthVerdict = { ok: true; via: 'header' | 'protocol' } | Refusal;

function protocolToken(req: IncomingMessage): string | null {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return null;
  for (const p of header.split(',')) {
    const v = p.trim();
    if (v.startsWith(TOKEN_PROTOCOL_PREFIX)) return v.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return null;
}

/** The renderer's own files: the exact Host only (DNS rebinding), no token. A browser cannot put a
 * header on a page load, and the two ways it could carry a token there both leak it: a cookie goes to
 * every server on 127.0.0.1 whatever its port, a query ends up in logs and history. The bundle holds
 * no data and no secret; everything that does (the API, the sockets) needs the token. */
export function checkHost(req: IncomingMessage, policy: AuthPolicy): { ok: true } | Refusal {
  if (req.headers.host !== policy.host)
    return { ok: false, reason: `wrong Host ${JSON.stringify(req.headers.host ?? '')}` };
  return { ok: true };
}

/** Checks one API request or upgrade: exact Host, exact Origin (upgrades and writes), and the token
 * as `Authorization: Bearer` or, on upgrades, as a WebSocket subprotocol. Never a cookie or a query. */
export function checkRequest(req: IncomingMessage, policy: AuthPolicy, upgrade: boolean): AuthVerdict {
  const host = checkHost(req, policy);
  if (!host.ok) return host;
  const needsOrigin = upgrade || (req.method !== 'GET' && req.method !== 'HEAD');
  if (needsOrigin) {
    const origin = req.headers.origin;
    if (!origin || !policy.origins.includes(origin))
      return { ok: false, reason: `wrong Origin ${JSON.stringify(origin ?? '')}` };
  }
  const authz = req.headers.authorization;
  if (authz?.startsWith('Bearer ') && tokenEquals(authz.slice(7), policy.token))
    return { ok: true, via: 'header' };
  if (upgrade && tokenEquals(protocolToken(req), policy.token)) return { ok: true, via: 'protocol' };
  const given = authz?.startsWith('Bearer ') ? authz.slice(7) : upgrade ? protocolToken(req) : null;
  if (given && policy.retired?.length) {
    const h = createHash('sha256').update(given).digest('hex');
    if (policy.retired.includes(h)) return { ok: false, reason: 'rotated token', rotated: true };
  }
  return { ok: false, reason: 'missing or wrong token' };
}
