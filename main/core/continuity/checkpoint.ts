// checkpoint.json: what a workcell is in the middle of, so the next pass (agent or human) picks up
// from files in under 30 seconds (issue 12). Written atomically (temp + rename: a SIGKILL of everything
// leaves the previous or the next one, never half of one) at every state change and every few minutes
// of activity, by whoever observes it (the daemon's keeper, start and resume): never on a polling loop.
import { execFile } from 'node:child_process';
import { readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkcellStatus } from '../../common/workcell.js';
import { readHookEvents } from '../agents/hooks.js';
import { readJson, writeJsonAtomic } from '../fsutil.js';
import { RUN_FILES } from '../paths.js';
import { liveProcesses, readProcRecord } from '../processes.js';

export const CHECKPOINT_FILE = 'checkpoint.json';
/** The agent's own state file, in the repo; the brief asks the agent to keep it. */
export const AGENT_STATE_FILE = join('.workcell', 'state.json');

export interface Checkpoint {
  version: 1;
  at: string;
  /** Why this one was written: "state running -> idle", "activity", "started", "resumed". */
  why: string;
  name: string;
  agent: string;
  state: string;
  pass: number;
  objective: string;
  vendorSessionId: string | null;
  cwd: string;
  /** `git status --porcelain` lines and files changed in the last 15 minutes (by mtime). */
  files: { status: string[]; recent: string[] };
  /** `git log --oneline headAtStart..HEAD`, newest first. */
  commits: string[];
  /** The agent's last shell commands, from hook events (Claude Bash tool calls), oldest first. */
  lastCommands: { at: string; command: string }[];
  /** Processes in the workcell's tree (dev servers, watchers) with their command lines. */
  processes: { pid: number; cmd: string; cwd: string | null }[];
  /** Selected environment: values for a few known names, names only for secret-looking ones. */
  env: { values: Record<string, string>; secretNames: string[] };
  /** From the agent's `.workcell/state.json` (current task, next steps), else handoff.md. */
  agentState: unknown;
  nextSteps: string[];
}

// Tunables with their reason.
const RECENT_MS = 15 * 60_000; // "files in progress": touched in the last quarter hour
const MAX_LIST = 50; // a checkpoint is read by a person: the first 50 of anything is enough
const LAST_COMMANDS = 10;
const ENV_VALUES = [
  'PATH',
  'HOME',
  'SHELL',
  'LANG',
  'NODE_ENV',
  'VIRTUAL_ENV',
  'CONDA_DEFAULT_ENV',
  'TMPDIR',
  'CLAUDE_CONFIG_DIR',
  'CODEX_HOME',
  'PWD',
];
export const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION/i;

function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', timeout: 10_000 }, (e, out) =>
      // not a repository or no commits: the field stays empty
      resolve(e ? null : out),
    );
  });
}
const lines = (s: string | null): string[] => (s ?? '').split('\n').filter(Boolean).slice(0, MAX_LIST);

/** Selected environment of a process: values only for known harmless names. */
export function selectEnv(environ: string): Checkpoint['env'] {
  const values: Record<string, string> = {};
  const secretNames: string[] = [];
  for (const kv of environ.split('\0')) {
    const i = kv.indexOf('=');
    if (i <= 0) continue;
    const k = kv.slice(0, i);
    if (SECRET_NAME.test(k)) secretNames.push(k);
    else if (ENV_VALUES.includes(k)) values[k] = kv.slice(i + 1);
  }
  return { values, secretNames: secretNames.sort() };
}

/** Next steps from the agent's state file (`nextSteps` / `next_steps`), else the handoff's
 * "What is left" section, else none. */
export function nextStepsOf(agentState: unknown, handoff: string): string[] {
  const o = agentState && typeof agentState === 'object' ? (agentState as Record<string, unknown>) : null;
  const steps = o?.nextSteps ?? o?.next_steps;
  if (Array.isArray(steps)) return steps.map(String).slice(0, MAX_LIST);
  if (typeof steps === 'string') return [steps];
  const left = /##\s*What is left\s*\n([\s\S]*?)(?:\n##\s|$)/i.exec(handoff)?.[1] ?? '';
  return left
    .split('\n')
    .map((l) => l.replace(/^\s*[-*]\s*/, '').trim())
    .filter((l) => l && !l.startsWith('('))
    .slice(0, MAX_LIST);
}

async function recentFiles(repo: string, now: number): Promise<string[]> {
  // Tracked and untracked, not ignored: node_modules and build output stay out.
  const all = (await git(repo, ['ls-files', '-co', '--exclude-standard']))?.split('\n').filter(Boolean) ?? [];
  const out: { f: string; m: number }[] = [];
  // A huge repo costs one stat per file: the first 20,000 are looked at.
  for (const f of all.slice(0, 20_000)) {
    const s = await stat(join(repo, f)).catch(() => null); // deleted since the listing
    if (s && now - s.mtimeMs < RECENT_MS) out.push({ f, m: s.mtimeMs });
    if (out.length >= MAX_LIST * 4) break;
  }
  return out
    .sort((a, b) => b.m - a.m)
    .slice(0, MAX_LIST)
    .map((x) => x.f);
}

/** Builds the checkpoint of one workcell from its status, repo, hooks and processes. */
export async function buildCheckpoint(
  runDir: string,
  s: WorkcellStatus,
  why: string,
  now: Date,
): Promise<Checkpoint> {
  const brief = await readFile(join(runDir, RUN_FILES.brief), 'utf8').catch(() => '');
  const objective = /## Objective\n([\s\S]*?)\n## /.exec(brief)?.[1]?.trim() ?? '';
  const handoff = await readFile(join(runDir, RUN_FILES.handoff), 'utf8').catch(() => '');
  const agentState = await readJson<unknown>(join(s.repo, AGENT_STATE_FILE)).catch(() => null);
  const hooks = (await readHookEvents(runDir, 0).catch(() => ({ events: [] }))).events;
  const rec = await readProcRecord(runDir).catch(() => null);
  const procs = rec ? await liveProcesses(rec).catch(() => []) : [];
  const processes: Checkpoint['processes'] = [];
  let env: Checkpoint['env'] = { values: {}, secretNames: [] };
  for (const p of procs.slice(0, MAX_LIST)) {
    // /proc only (Linux); elsewhere the pids are listed without command lines.
    const cmd = (await readFile(`/proc/${p.pid}/cmdline`, 'utf8').catch(() => ''))
      .split('\0')
      .filter(Boolean)
      .join(' ');
    const cwd = await readlink(`/proc/${p.pid}/cwd`).catch(() => null);
    processes.push({ pid: p.pid, cmd: cmd.slice(0, 500), cwd });
  }
  // The agent's environment: the pane's first process (the wrapper) carries what the agent got.
  if (rec) {
    const environ = await readFile(`/proc/${rec.pid}/environ`, 'utf8').catch(() => '');
    if (environ) env = selectEnv(environ);
  }
  const head = s.git.headAtStart;
  return {
    version: 1,
    at: now.toISOString(),
    why,
    name: s.name,
    agent: s.agent,
    state: s.state,
    pass: s.pass,
    objective,
    vendorSessionId: s.vendorSession?.id ?? s.vendorSessionId,
    cwd: s.repo,
    files: {
      status: lines(await git(s.repo, ['status', '--porcelain'])),
      recent: await recentFiles(s.repo, now.getTime()),
    },
    commits: head ? lines(await git(s.repo, ['log', '--oneline', `${head}..HEAD`])) : [],
    lastCommands: hooks
      .filter((e) => e.command)
      .slice(-LAST_COMMANDS)
      .map((e) => ({ at: e.at, command: e.command! })),
    processes,
    env,
    agentState,
    nextSteps: nextStepsOf(agentState, handoff),
  };
}

/** Writes checkpoint.json atomically. Never throws for a full disk or a removed run dir: a checkpoint
 * is a convenience, the state path must not fail for it. Returns whether it was written. */
export async function writeCheckpoint(
  runDir: string,
  s: WorkcellStatus,
  why: string,
  now: Date = new Date(),
): Promise<boolean> {
  try {
    await writeJsonAtomic(join(runDir, CHECKPOINT_FILE), await buildCheckpoint(runDir, s, why, now));
    return true;
  } catch {
    // ENOSPC, or the run dir was removed (gc --remove) meanwhile: the next state change tries again
    return false;
  }
}

/** The last checkpoint of a run dir, or null (none yet, or unreadable). For resume and recovery. */
export async function readCheckpoint(runDir: string): Promise<Checkpoint | null> {
  const c = await readJson<Checkpoint>(join(runDir, CHECKPOINT_FILE)).catch(() => null);
  return c && c.version === 1 ? c : null;
}
