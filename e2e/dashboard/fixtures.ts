// Fixtures own the lifecycle (STYLE.md): each test gets a temp WORKCELLS_HOME with its own private
// tmux server, a `workcell ui` serving it, and a teardown that stops that process and kills only
// that server (by its socket). Nothing here touches the user's default tmux server.
import { test as base, expect } from '@playwright/test';
// The compiled test helper (npm test builds dist/ before Playwright runs).
import { killDaemon, killOrphans } from '../../dist/main/core/testing/fixture.js';
import { ControlDir } from '../../dist/main/core/paths.js';
import { CHROMIUM, skipUnlessTools } from '../../main/core/testing/tools.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'workcell.js');
export const FAKE_AGENT = join(ROOT, 'dist', 'main', 'core', 'testing', 'fakeAgent.js');
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
/** Why the specs that drive a page skip here (playwright.config.ts prints it once), or null. */
const noChromium = skipUnlessTools('Chromium specs', [CHROMIUM]);

function cleanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WORKCELLS_HOME: home };
  delete env.TMUX;
  delete env.TMUX_PANE;
  return env;
}

/** `workcell ui`, as a user runs it. Until main/cli/main.ts registers the command, the same module
 * is mounted on a bare program so these specs still exercise the real command code. */
export interface Home {
  root: string;
  socket: string;
  repo: string;
  env: NodeJS.ProcessEnv;
  /** `workcell ARGS...` against this home; returns stdout. */
  workcell(...args: string[]): string;
  /** Starts a fake agent workcell with exactly these fakeAgent.js arguments. */
  startFake(name: string, ...agentArgs: string[]): void;
  /** The pane's visible text, through tmux itself (not through the bridge under test). */
  capture(name: string): string;
  /** Types into the pane through tmux itself (`send-keys`, literal text then Enter). */
  sendLine(name: string, text: string): void;
  /** tmux clients attached to this home's server (a closed peek must leave none). */
  clients(): string[];
}

export interface Ui {
  /** What `workcell ui` gave the browser opener: the file:// URL of its 0600 hand-over file. Open it
   * as a user's browser would. */
  launchUrl: string;
  /** Every argument the opener received (other local users can read these in /proc/PID/cmdline). */
  openerArgv: string[];
  /** `http://127.0.0.1:PORT/#token=...` as printed on stdout. */
  printedUrl: string;
  origin: string;
  token: string;
}

export const test = base.extend<{ home: Home; ui: Ui; needsChromium: void }>({
  // eslint-disable-next-line no-empty-pattern
  needsChromium: async ({}, use, testInfo) => {
    testInfo.skip(noChromium !== null, noChromium ?? '');
    await use();
  },
  // The gate is set up before the real page, so a spec that drives a page skips before Chromium is
  // launched; specs that only make HTTP requests still run.
  page: async ({ needsChromium: _gate, page }, use) => use(page),
  // eslint-disable-next-line no-empty-pattern
  home: async ({}, use) => {
    // Short path: a unix socket path must stay under ~104 bytes.
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'wc-e2e-')));
    const repo = join(root, 'repo');
    mkdirSync(repo);
    const env = cleanEnv(root);
    const socket = join(root, 'tmux.sock');
    const workcell = (...args: string[]): string =>
      execFileSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    await use({
      root,
      socket,
      repo,
      env,
      workcell,
      startFake: (name, ...agentArgs) =>
        void workcell(
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
        ),
      capture: (name) =>
        execFileSync('tmux', ['-S', socket, 'capture-pane', '-p', '-t', `=${name}:`], {
          env,
          encoding: 'utf8',
        }),
      sendLine: (name, text) => {
        execFileSync('tmux', ['-S', socket, 'send-keys', '-t', `=${name}:`, '-l', text], { env });
        execFileSync('tmux', ['-S', socket, 'send-keys', '-t', `=${name}:`, 'Enter'], { env });
      },
      // Terminal clients only: the supervisor's own control-mode client (on _sv) is always attached.
      clients: () =>
        execFileSync('tmux', ['-S', socket, 'list-clients', '-F', '#{client_control_mode} #{client_name}'], {
          env,
          encoding: 'utf8',
        })
          .split('\n')
          .filter((l) => l.startsWith('0 '))
          .map((l) => l.slice(2)),
    });
    // `workcell ui` started this home's supervisor daemon: end it first, or it writes its last log line
    // into the directory being removed.
    killDaemon(new ControlDir(root));
    try {
      execFileSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore', env });
    } catch {
      // no server was started on this socket (a test that never started a workcell)
    }
    // The killed server leaves its panes' wrappers and agents behind (they survive SIGHUP to record
    // the exit): end this home's process groups, and only those.
    killOrphans(root);
    rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  },
  ui: async ({ home }, use) => {
    // A fake `xdg-open` first on PATH records what `workcell ui` asks the desktop to open; the spec
    // then opens it in Chromium, as the user's browser would.
    const bin = join(home.root, 'fakebin');
    const openerLog = join(home.root, 'opener.log');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'xdg-open'),
      '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done >> "$OPENER_LOG"\n',
      {
        mode: 0o755,
      },
    );
    const child: ChildProcess = spawn(process.execPath, [CLI, 'ui'], {
      env: { ...home.env, PATH: `${bin}:${home.env.PATH ?? ''}`, OPENER_LOG: openerLog },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const printedUrl = await new Promise<string>((resolveUrl, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('http://'));
        if (line) resolveUrl(line.trim());
      });
      child.once('exit', (code) => reject(new Error(`workcell ui exited ${code}: ${stderr}`)));
    });
    const u = new URL(printedUrl);
    // The opener's log exists from its redirection on, before its line is in: wait for the line.
    await expect
      .poll(() => existsSync(openerLog) && readFileSync(openerLog, 'utf8').endsWith('\n'), {
        message: 'the browser opener to run',
      })
      .toBe(true);
    const openerArgv = readFileSync(openerLog, 'utf8').trim().split('\n');
    await use({
      launchUrl: openerArgv[0] ?? '',
      openerArgv,
      printedUrl,
      origin: u.origin,
      token: new URLSearchParams(u.hash.slice(1)).get('token') ?? '',
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  },
});

export { expect };
