// The continuity tests' rig: a private tmux server in a temp WORKCELLS_HOME (testing/fixture.ts), fake
// vendor CLIs (testing/fakeVendor.ts) on PATH under each vendor's name, a git repo, and the keeper.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, leakedProcesses, makeHome, waitFor, type TestHome } from './fixture.js';
import { RunStore } from '../runStore.js';
import { Transitions } from '../transition.js';
import { Tmux, tmuxEnv } from '../tmux.js';
import { Engine } from '../engine.js';
import { ContinuityKeeper } from '../continuity/keeper.js';
import type { WorkcellStatus } from '../../common/workcell.js';

const FAKE_VENDOR = join(import.meta.dirname, 'fakeVendor.js');

export interface Rig {
  home: TestHome;
  env: NodeJS.ProcessEnv;
  vendorHome: string;
  repo: string;
  store: RunStore;
  engine: Engine;
  run(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }>;
  status(name: string): Promise<WorkcellStatus>;
  send(name: string, line: string): void;
  keeper: ContinuityKeeper;
  observe(): Promise<void>;
  done(): Promise<void>;
}

/** `extraEnv`: for the agents (through the CLI and the tmux server it starts), e.g. FAKE_QUIET_RESUME. */
export async function rig(extraEnv: Record<string, string> = {}): Promise<Rig> {
  const home = makeHome('wc-cont-');
  const vendorHome = join(home.dir.root, 'vhome');
  const bin = join(home.dir.root, 'vbin');
  mkdirSync(vendorHome, { recursive: true });
  mkdirSync(bin);
  for (const v of ['claude', 'codex', 'gemini', 'copilot', 'opencode']) {
    writeFileSync(join(bin, v), `#!/bin/sh\nexec '${process.execPath}' '${FAKE_VENDOR}' ${v} "$@"\n`);
    chmodSync(join(bin, v), 0o755);
  }
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'start');
  const env = { ...home.env, HOME: vendorHome, PATH: `${bin}:${process.env.PATH}`, ...extraEnv };
  // The in-process parts (keeper, planResume) look where the agents live: the same HOME.
  process.env.HOME = vendorHome;
  process.env.PATH = env.PATH;
  const store = new RunStore(home.dir);
  const tmux = new Tmux(home.dir.socket, home.dir.tmuxConf);
  const keeper = new ContinuityKeeper(store, new Transitions(store), { env, activityEveryMs: 0 });
  const engine = new Engine(home.dir, tmux);
  return {
    home,
    env,
    vendorHome,
    repo,
    store,
    engine,
    keeper,
    run: (args) =>
      new Promise((resolve) => {
        const t0 = Date.now();
        execFile(process.execPath, [CLI, ...args], { env, encoding: 'utf8' }, (e, stdout, stderr) =>
          resolve({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr, ms: Date.now() - t0 }),
        );
      }),
    status: async (name) => (await store.readStatus(name))!,
    send: (name, line) =>
      execFileSync('tmux', ['-S', home.dir.socket, 'send-keys', '-t', `=${name}:`, '-l', line], {
        env: tmuxEnv(),
      }) &&
      execFileSync('tmux', ['-S', home.dir.socket, 'send-keys', '-t', `=${name}:`, 'Enter'], {
        env: tmuxEnv(),
      }),
    async observe() {
      const l = await engine.list();
      assert.ok(l.ok);
      await keeper.observe(l.value);
    },
    async done() {
      home.cleanup();
      assert.deepEqual(await leakedProcesses(home), []);
    },
  };
}

export const screenHas = (r: Rig, name: string, re: RegExp, timeoutMs = 10_000) =>
  waitFor(
    () => {
      let out: string;
      try {
        out = execFileSync('tmux', ['-S', r.home.dir.socket, 'capture-pane', '-p', '-t', `=${name}:`], {
          env: tmuxEnv(),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        // the session is between passes (resume closed the old one): not yet
        return null;
      }
      return re.test(out) ? out : null;
    },
    timeoutMs,
    `${re} on ${name}'s screen`,
  );
