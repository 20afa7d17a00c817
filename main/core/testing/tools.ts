// System tools some tests need (Chromium for Playwright, dbus-daemon and notify-send for the desktop
// notifier). One rule for all of them: on a developer machine a missing tool skips its tests with ONE
// line naming the tool and its install command, so `npm test` works on a fresh machine; under CI=true
// it fails instead, so CI can never go green by skipping.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface Tool {
  /** The executable, looked up on PATH. */
  name: string;
  /** How to get it, for the skip line. */
  install: string;
}

export const CHROMIUM: Tool = { name: 'chromium', install: 'apt install chromium' };
export const DBUS_DAEMON: Tool = { name: 'dbus-daemon', install: 'apt install dbus' };
export const NOTIFY_SEND: Tool = { name: 'notify-send', install: 'apt install libnotify-bin' };

/** `WORKCELL_TEST_DBUS_DAEMON` for dbus-daemon: overrides the PATH lookup (a path to use, or e.g.
 * /nonexistent to see the skip on a machine that has the tool). */
export const overrideVar = (t: Tool): string =>
  `WORKCELL_TEST_${t.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    // ENOENT or EACCES: not a tool we can run
    return false;
  }
}

/** The tool's absolute path, or null when it is not installed (or its override names nothing runnable). */
export function findTool(t: Tool, env: NodeJS.ProcessEnv = process.env): string | null {
  const override = env[overrideVar(t)];
  if (override) return isAbsolute(override) && executable(override) ? override : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, t.name))) return join(dir, t.name);
  }
  return null;
}

/** null when every tool is here. Otherwise, locally: the one line to print and skip with; under
 * CI=true: throws that line, so the run fails. `what` names the tests, e.g. "dashboard specs". */
export function skipUnlessTools(
  what: string,
  tools: readonly Tool[],
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const missing = tools.filter((t) => !findTool(t, env));
  if (missing.length === 0) return null;
  const names = missing.map((t) => t.name).join(', ');
  const install = [...new Set(missing.map((t) => t.install))].join('; ');
  if (env.CI === 'true') throw new Error(`${what}: ${names} not found, and CI=true requires it (${install})`);
  return `${what} skipped: ${names} not found (${install})`;
}
