// Which URLs our windows may load, navigate to, open externally, and which frames may call IPC
// (DESIGN.md §5; Electron's security checklist items on navigation, new windows and IPC senders).
// Pure: tested under plain node.

export interface Trusted {
  /** http://127.0.0.1:PORT of this launch's bridge, or null before it is up. */
  bridgeOrigin: string | null;
  /** file:// URLs of our own pages (the settings window), compared without query and hash. */
  pages: readonly string[];
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    // not a URL (empty frame URL, garbage from a compromised renderer): never trusted
    return null;
  }
}

function withoutQueryAndHash(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Our bridge (same origin, exactly) or one of our own file:// pages. */
export function isTrustedUrl(url: string, t: Trusted): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'file:') return t.pages.includes(withoutQueryAndHash(u));
  return (
    t.bridgeOrigin !== null &&
    (u.protocol === 'http:' || u.protocol === 'ws:') &&
    `http://${u.host}` === t.bridgeOrigin
  );
}

/** Links a user clicks in a terminal or the dashboard open in their browser: http(s) only, with no
 * credentials in the URL (a classic phishing trick), never file:, javascript:, or custom schemes. */
export function isSafeExternalUrl(url: string): boolean {
  const u = parse(url);
  if (!u) return false;
  return (
    (u.protocol === 'https:' || u.protocol === 'http:') &&
    u.username === '' &&
    u.password === '' &&
    u.hostname !== ''
  );
}

/** The dashboard page at the bridge origin. No token: the page is public, the token comes from the
 * preload (getBridge), and a URL is what ends up in logs, history and crash reports. */
export function dashboardPageUrl(bridgeOrigin: string): string {
  return `${bridgeOrigin}/`;
}

/** The dashboard route of a peek window. Names are validated before they get here; encoded anyway. */
export function peekUrl(bridgeOrigin: string, name: string): string {
  return `${dashboardPageUrl(bridgeOrigin)}#/peek/${encodeURIComponent(name)}`;
}
