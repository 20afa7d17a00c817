// Test fixture: a temp WORKCELLS_HOME with its own private tmux server, and a leak check on teardown
// (every session and process a test started is gone afterwards). Used by integration tests only.
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ControlDir } from '../paths.js';
import { tmuxEnv } from '../tmux.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Compiled fake agent: prints, sleeps and exits with a chosen code (see fakeAgent.ts). */
export const FAKE_AGENT = join(here, 'fakeAgent.js');
/** The compiled CLI entry, for tests that run `workcell` as a user would. */
export const CLI = join(here, '..', '..', '..', '..', 'bin', 'workcell.js');

/** Runs the compiled `workcell` CLI as a user would, in `env` (a test home's), never throwing. */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env }, (e, stdout, stderr) =>
      done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export interface TestHome {
  dir: ControlDir;
  env: NodeJS.ProcessEnv;
  /** Kills this home's tmux server (only ours: by its socket) and removes the directory. */
  cleanup(): void;
}

export function makeHome(prefix = 'wc-'): TestHome {
  // Short path: a unix socket path must stay under ~104 bytes.
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const dir = new ControlDir(root);
  // Commands do not start the supervisor daemon here: most tests drive a supervisor of their own (or
  // none); the daemon tests turn it on with WORKCELL_DAEMON=on.
  const env = { ...tmuxEnv(process.env), WORKCELLS_HOME: root, WORKCELL_DAEMON: 'off' };
  return {
    dir,
    env,
    cleanup() {
      killDaemon(dir);
      try {
        execFileSync('tmux', ['-S', dir.socket, 'kill-server'], { stdio: 'ignore', env: tmuxEnv() });
      } catch {
        // no server was running on this socket: nothing to kill
      }
      killOrphans(root);
      // A finisher killed mid-write can leave a directory busy for a moment: retry instead of failing.
      rmSync(root, { recursive: true, force: true, maxRetries: 40, retryDelay: 50 });
    },
  };
}

/** Processes whose command line mentions this home (wrappers, agents, tmux clients): a test that
 * leaves one behind has leaked. Call after cleanup(); give the kernel a moment to reap. */
export async function leakedProcesses(home: TestHome, timeoutMs = 3_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let found: string[];
  do {
    const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    found = out
      .split('\n')
      .filter((l) => l.includes(home.dir.root) && !l.includes(' ps -eo'))
      .map((l) => l.trim());
    if (found.length === 0) return [];
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  return found;
}

/** A killed tmux server leaves its panes' wrappers alive (they trap SIGHUP to record the exit) and
 * with them the agents: end the process groups this home started, and only those. */
export function killOrphans(root: string): void {
  // /proc, not `ps`: ps prints a newline in a path (a hostile home name) as `?`, so a wrapper under such
  // a home was never found and its finisher kept writing into a directory being removed (ENOTEMPTY).
  const wrap = join(root, 'bin', 'wrap.sh');
  const groups = new Set<number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(wrap)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      groups.add(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])); // field 5: pgrp
    } catch {
      // the process ended while we looked
    }
  }
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // ESRCH: the group ended on its own meanwhile
    }
  }
}

/** Ends this home's supervisor daemon and its keeper, if one runs (SIGKILL: teardown, not a test). */
export function killDaemon(dir: ControlDir): void {
  let rec: { pid?: number; keeperPid?: number | null } = {};
  try {
    rec = JSON.parse(readFileSync(join(dir.root, 'daemon', 'leader.json'), 'utf8')) as typeof rec;
  } catch {
    // no daemon ever led this home
    return;
  }
  for (const pid of [rec.keeperPid, rec.pid]) {
    if (!pid) continue;
    try {
      // Only if it is a daemon of THIS home (the pid may have been reused since).
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`WORKCELLS_HOME=${dir.root}\0`)) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      // ESRCH / ENOENT: already gone
    }
  }
}

/** Sessions still alive on this home's server (for leak assertions). */
export function liveSessions(home: TestHome): string[] {
  try {
    const out = execFileSync('tmux', ['-S', home.dir.socket, 'list-sessions', '-F', '#{session_name}'], {
      encoding: 'utf8',
      env: tmuxEnv(),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n').filter(Boolean);
  } catch {
    // no server: no sessions
    return [];
  }
}

/** Polls `fn` until it returns a truthy value or the deadline passes (no fixed sleeps in tests). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** The compiled fake loop agent (see fakeLoopAgent.ts). */
export const FAKE_LOOP_AGENT = join(here, 'fakeLoopAgent.js');

/** A git repo with one commit and a PRD whose Tasks hold `items` (for loop tests). */
export function makePrdRepo(root: string, items: readonly string[]): string {
  const repo = join(root, 'repo');
  const run = (...a: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], {
      cwd: repo,
      stdio: 'ignore',
    });
  mkdirSync(repo);
  run('init', '-q', '-b', 'main');
  writeFileSync(
    join(repo, 'PRD.md'),
    `# Feature\n\n## Tasks\n\n${items.map((i) => `- [ ] ${i}`).join('\n')}\n\n## Notes\n\n- [ ] not a task\n`,
  );
  run('add', '-A');
  run('commit', '-q', '-m', 'prd');
  return repo;
}
