// Who may talk to the bridge (DESIGN.md §5). Local WebSocket hijacking is a known class of CVE in web
// terminals: any page the user visits can open ws://127.0.0.1:PORT, and DNS rebinding lets a foreign
// site reach it under its own Host. So every request needs the per-launch token AND the exact Host,
// and every upgrade and non-GET request also the exact Origin.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_COOKIE, TOKEN_PROTOCOL_PREFIX, TOKEN_QUERY } from '../../common/bridge.js';

/** 32 random bytes: unguessable, and short enough for a URL a user pastes over SSH. */
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
}

export type AuthVerdict =
  { ok: true; via: 'cookie' | 'header' | 'protocol' | 'query' } | { ok: false; reason: string };

function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== TOKEN_COOKIE) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a malformed %-escape from a foreign client: no token, refused like any other
      return null;
    }
  }
  return null;
}

function protocolToken(req: IncomingMessage): string | null {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return null;
  for (const p of header.split(',')) {
    const v = p.trim();
    if (v.startsWith(TOKEN_PROTOCOL_PREFIX)) return v.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return null;
}

/** Checks one HTTP request or upgrade. `upgrade` makes Origin mandatory whatever the method. */
export function checkRequest(req: IncomingMessage, policy: AuthPolicy, upgrade: boolean): AuthVerdict {
  if (req.headers.host !== policy.host)
    return { ok: false, reason: `wrong Host ${JSON.stringify(req.headers.host ?? '')}` };
  const needsOrigin = upgrade || (req.method !== 'GET' && req.method !== 'HEAD');
  if (needsOrigin) {
    const origin = req.headers.origin;
    if (!origin || !policy.origins.includes(origin))
      return { ok: false, reason: `wrong Origin ${JSON.stringify(origin ?? '')}` };
  }
  if (tokenEquals(cookieToken(req), policy.token)) return { ok: true, via: 'cookie' };
  const authz = req.headers.authorization;
  if (authz?.startsWith('Bearer ') && tokenEquals(authz.slice(7), policy.token))
    return { ok: true, via: 'header' };
  if (upgrade && tokenEquals(protocolToken(req), policy.token)) return { ok: true, via: 'protocol' };
  // The query form only serves the first page load (it then sets the cookie and redirects); it is
  // never accepted on an upgrade or an API call, where it would end up in logs and history.
  if (!upgrade && req.method === 'GET') {
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get(TOKEN_QUERY);
    if (tokenEquals(q, policy.token)) return { ok: true, via: 'query' };
  }
  return { ok: false, reason: 'missing or wrong token' };
}

/** The cookie that replaces the `?token=` after the first load. No Max-Age: it dies with the browser
 * session, and the token itself dies with the bridge. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}
