// Fixture for the Electron app specs (microsoft/playwright tests/electron/electronTest.ts style): a temp
// WORKCELLS_HOME with a private tmux server and one fake workcell, the app launched on it, and a
// teardown that closes the app and kills only that tmux server. Where no Electron binary or display
// exists, `electronUnavailable()` says why in one line and the specs skip.
import { test as base, expect, _electron, type ElectronApplication } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main', 'app', 'main.js');
const CLI = join(ROOT, 'bin', 'workcell.js');
const FAKE_AGENT = join(ROOT, 'dist', 'main', 'core', 'testing', 'fakeAgent.js');

/** The Electron binary as node_modules/electron/index.js finds it, without loading that module (it
 * throws when the binary was never downloaded). */
export function electronBinary(): string | null {
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const bin = join(
      process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkgDir, 'dist'),
      readFileSync(pathFile, 'utf8').trim(),
    );
    return existsSync(bin) ? bin : null;
  } catch {
    // electron is not installed at all
    return null;
  }
}

/** null when the app can be launched here; otherwise one line saying why not. */
export function electronUnavailable(): string | null {
  if (!electronBinary())
    return 'Electron specs skipped: no Electron binary on this machine (its download is blocked here); they run wherever `npm install` could fetch it';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'Electron specs skipped: no display (run under xvfb-run)';
  if (!existsSync(MAIN)) return 'Electron specs skipped: dist/main/app/main.js is not built (npm run build)';
  return null;
}

export interface Home {
  root: string;
  env: NodeJS.ProcessEnv;
  startFake(name: string, ...agentArgs: string[]): void;
}

export const test = base.extend<{ home: Home; app: ElectronApplication }>({
  // eslint-disable-next-line no-empty-pattern
  home: async ({}, use) => {
    // Short path: a unix socket path must stay under ~104 bytes.
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'wc-app-')));
    const repo = join(root, 'repo');
    mkdirSync(repo);
    const env: NodeJS.ProcessEnv = { ...process.env, WORKCELLS_HOME: root };
    delete env.TMUX;
    delete env.TMUX_PANE;
    delete env.ELECTRON_RUN_AS_NODE;
    const startFake = (name: string, ...agentArgs: string[]): void =>
      void execFileSync(
        process.execPath,
        [
          CLI,
          'start',
          name,
          '--repo',
          repo,
          '--agent',
          'command',
          '--',
          process.execPath,
          FAKE_AGENT,
          ...agentArgs,
        ],
        { env },
      );
    await use({ root, env, startFake });
    try {
      execFileSync('tmux', ['-S', join(root, 'tmux.sock'), 'kill-server'], { stdio: 'ignore', env });
    } catch {
      // no tmux server was started on this socket
    }
    rmSync(root, { recursive: true, force: true });
  },
  app: async ({ home }, use) => {
    const app = await _electron.launch({
      executablePath: electronBinary() ?? undefined,
      args: [MAIN, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: home.env as Record<string, string>,
    });
    await use(app);
    await app.close();
  },
});

export { expect };
