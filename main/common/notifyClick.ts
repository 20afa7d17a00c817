// Where a notification leads when it is clicked (issue 10, "the click action in the desktop app") and
// the link a channel shows: the dashboard opened on that workcell's detail, or the dashboard itself
// for a bubble that speaks for several workcells (a burst's summary) or for none (`notify test`).
// Pure, so the Electron shell only calls it and the same rule holds for every channel.
import { WORKCELL_FRAGMENT } from './bridge.js';

export type ClickTarget = { kind: 'detail'; name: string } | { kind: 'dashboard' };

/** The dashboard at `origin` (http://127.0.0.1:PORT) opened on `name`'s detail. No token: the tab or
 * window that opens it already has one (tokenShare.ts, or the app's preload). */
export function workcellDetailUrl(origin: string, name: string): string {
  return `${origin.replace(/\/+$/, '')}/#${WORKCELL_FRAGMENT}=${encodeURIComponent(name)}`;
}

/** What a bubble is about: one workcell (its name), or several (`names` of a summary or digest). */
export interface ClickSource {
  name?: string | null;
  names?: readonly string[];
  test?: boolean;
}

export function clickTarget(n: ClickSource): ClickTarget {
  // `workcell notify test` names a workcell that does not exist.
  if (n.test) return { kind: 'dashboard' };
  const names = new Set((n.names ?? (n.name ? [n.name] : [])).filter((s) => s !== ''));
  // A summary of one workcell's several changes is still about that workcell.
  if (names.size === 1) return { kind: 'detail', name: [...names][0]! };
  return { kind: 'dashboard' };
}

/** The URL of a click target on the dashboard at `origin`. */
export function clickUrl(origin: string, t: ClickTarget): string {
  return t.kind === 'detail' ? workcellDetailUrl(origin, t.name) : `${origin.replace(/\/+$/, '')}/`;
}
