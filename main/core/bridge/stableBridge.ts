// A stable dashboard URL per home (issue 10): `workcell ui` keeps its port and token in the home
// (ui/bridge.json, 0600 in the 0700 ui folder, beside the hand-over files), so a restart serves the
// same URL and open tabs keep working. `--rotate-token` replaces the token on demand; the old one is
// remembered only as a hash, so a tab that still holds it is told "token rotated" instead of a bare
// "forbidden". The token never goes into an argv or a cookie (handover.ts, auth.ts).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { newToken } from './auth.js';

export const STABLE_BRIDGE = {
  file: 'bridge.json',
  // Tabs older than five rotations are rare; they still get a refusal, only a less specific one.
  retiredKept: 5,
} as const;

export interface StableBridge {
  /** The port the last `workcell ui` listened on; null before the first. */
  port: number | null;
  token: string;
  /** sha256 (hex) of rotated tokens, newest last. */
  retired: string[];
}

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const pathOf = (dir: ControlDir): string => join(dir.ui, STABLE_BRIDGE.file);

function read(dir: ControlDir): StableBridge | null {
  try {
    const j = JSON.parse(readFileSync(pathOf(dir), 'utf8')) as Partial<StableBridge>;
    if (typeof j.token !== 'string' || j.token.length < 32) return null;
    const port =
      typeof j.port === 'number' && Number.isInteger(j.port) && j.port > 0 && j.port < 65536 ? j.port : null;
    const retired = Array.isArray(j.retired) ? j.retired.filter((h) => typeof h === 'string') : [];
    return { port, token: j.token, retired };
  } catch {
    // ENOENT before the first `workcell ui`, or a hand-edited file: a fresh token (old tabs reopen)
    return null;
  }
}

/** The kept port and token, or fresh ones; with `rotate`, a new token and the old one retired. */
export function loadStableBridge(dir: ControlDir, o: { rotate?: boolean } = {}): StableBridge {
  const cur = read(dir);
  if (!cur) return { port: null, token: newToken(), retired: [] };
  if (!o.rotate) return cur;
  return {
    port: cur.port,
    token: newToken(),
    retired: [...cur.retired, tokenHash(cur.token)].slice(-STABLE_BRIDGE.retiredKept),
  };
}

export async function saveStableBridge(dir: ControlDir, s: StableBridge): Promise<Result<void>> {
  try {
    mkdirSync(dir.ui, { recursive: true, mode: 0o700 });
    await writeJsonAtomic(pathOf(dir), s, 0o600);
    return ok(undefined);
  } catch (e) {
    return err(
      'NOT_WRITABLE',
      `cannot keep the dashboard's URL in ${pathOf(dir)} (${(e as NodeJS.ErrnoException).code ?? String(e)}): the next \`workcell ui\` gets a new one`,
    );
  }
}

/** `http://127.0.0.1:PORT` of this home's dashboard (no token), for links in notifications; null
 * before the first `workcell ui`. */
export function dashboardOrigin(dir: ControlDir): string | null {
  const s = read(dir);
  return s?.port ? `http://127.0.0.1:${s.port}` : null;
}
