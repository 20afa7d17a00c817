// How `workcell ui` hands the token to the user's browser without putting it in any argv (every local
// user reads /proc/PID/cmdline of the opener and of the browser, for the browser's whole life). Jupyter's
// way: a small HTML file, readable only by the user (0600 in a 0700 folder), that redirects to the
// dashboard URL with the token in its fragment; the opener is given only the file's path.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A meta refresh (no script: works with scripts off) and a link for a browser that ignores it. */
export function handoverHtml(url: string): string {
  const u = escapeHtml(url);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="referrer" content="no-referrer" />
    <meta http-equiv="refresh" content="0;url=${u}" />
    <title>Session Supervisor</title>
  </head>
  <body>
    <p>Opening the dashboard. If nothing happens, <a href="${u}" rel="noreferrer">open it here</a>.</p>
    <p>This file holds the dashboard's access token: only you can read it, and it is removed when
      <code>workcell ui</code> stops.</p>
  </body>
</html>
`;
}

/** Writes the hand-over file for the dashboard on `port` and returns its path. The file is created
 * 0600 (never readable by anyone else, not even for a moment) and the folder 0700. */
export async function writeHandover(dir: ControlDir, port: number, url: string): Promise<Result<string>> {
  const path = join(dir.ui, `dashboard-${port}.html`);
  try {
    await fs.mkdir(dir.ui, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, handoverHtml(url), 0o600);
    return ok(path);
  } catch (e) {
    return err(
      'NOT_WRITABLE',
      `cannot write the dashboard's hand-over file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}): open the printed URL instead`,
    );
  }
}

/** Best effort at stop: the token in it is dead once the bridge is closed anyway. */
export async function removeHandover(path: string): Promise<void> {
  // ENOENT: the user (or a cleanup) removed it already
  await fs.rm(path, { force: true }).catch(() => undefined);
}
