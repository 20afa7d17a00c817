// Launch at login. macOS and Windows: Electron's login item. Linux has no such API: an XDG autostart
// entry (~/.config/autostart/*.desktop) is what every desktop environment reads.
import { app } from 'electron';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const DESKTOP_FILE = 'session-supervisor.desktop';

function autostartPath(env: NodeJS.ProcessEnv = process.env): string {
  const config =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(config, 'autostart', DESKTOP_FILE);
}

/** Exec= takes a command line: quote per the Desktop Entry spec (the path is ours, not user text). */
function execLine(): string {
  // An AppImage runs from a temporary mount: autostart must point at the .AppImage file itself.
  const exe = process.env.APPIMAGE ?? process.execPath;
  // Unpackaged (`electron dist/main/app/main.js`): argv[1] is the main script.
  const script = process.argv[1];
  const args = [...(app.isPackaged || !script ? [] : [resolve(script)]), '--hidden'];
  return [exe, ...args].map((a) => `"${a.replace(/(["`$\\])/g, '\\$1')}"`).join(' ');
}

export function getLaunchAtLogin(): boolean {
  if (process.platform === 'linux') return existsSync(autostartPath());
  return app.getLoginItemSettings().openAtLogin;
}

export function setLaunchAtLogin(on: boolean): void {
  if (process.platform !== 'linux') return app.setLoginItemSettings({ openAtLogin: on });
  const file = autostartPath();
  if (!on) return rmSync(file, { force: true });
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(
    file,
    [
      '[Desktop Entry]',
      'Type=Application',
      'Name=Session Supervisor',
      `Exec=${execLine()}`,
      'X-GNOME-Autostart-enabled=true',
      '',
    ].join('\n'),
  );
}
