// A loop's state on disk, loops/<name>/: state.json (written only by the loop's runner, or by the CLI
// before a runner exists), control.json (written only by the CLI: a new max, a stop request),
// events.jsonl (append-only) and progress.md (rendered from state.json by the runner). Everything a
// resume needs is here, so a loop survives its runner, the daemon, tmux and the machine.
import { join } from 'node:path';
import { appendLine, readJson, writeJsonAtomic, writeTextAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';
import type { Inflight } from './parallel.js';

export const OUTCOMES = [
  'succeeded',
  'succeeded_unverified',
  'no_output',
  'no_signal',
  'failed',
  'timed_out',
  'cancelled',
  'skipped',
] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const isSuccess = (o: Outcome | null | undefined) => o === 'succeeded' || o === 'succeeded_unverified';

export const LOOP_DEFAULTS = {
  // The issue's default: ten fresh agents is a long afternoon of work, and a runaway loop costs money.
  max: 10,
  // Attempts per item before it is skipped with a reason. Equal to breaker.noProgress so a single
  // stubborn item opens the breaker (the user hears of it) before it is skipped.
  retryCap: 3,
  breaker: { noProgress: 3, sameError: 5 },
  // An iteration's agent gets this long before it is killed (timed_out).
  timeoutMs: 60 * 60_000,
  // Parallel loops: at least this long between two agents' starts (vendors rate-limit bursts).
  staggerMs: 10_000,
} as const;

export type LoopStatus = 'running' | 'breaker_open' | 'done' | 'max_reached' | 'stopped';

export interface LoopDefinition {
  name: string;
  repo: string;
  agent: string;
  args: string[];
  /** Absolute path of the PRD file. */
  prd: string;
  verify: string | null;
  max: number;
  retryCap: number;
  timeoutMs: number;
  /** For vendor agents: their non-interactive mode, so an iteration ends when the agent is done. */
  headless: boolean;
  /** A pipeline stage's objective and inputs (handoffs, output files of earlier stages): every
   * iteration's brief carries it in full, where the checklist item is one line. */
  context?: string | null;
}

export interface IterationRecord {
  n: number;
  item: string;
  itemText: string;
  workcell: string;
  startedAt: string;
  endedAt: string;
  outcome: Outcome;
  reason: string | null;
  files: string[];
  commits: number;
  verify: 'passed' | 'failed' | 'none';
  /** Wall time of the whole iteration and of the agent alone (start to exit record). */
  ms: number;
  agentMs: number | null;
  /** From the agent's exit to the finisher's end (verify.sh, git summary). */
  finishMs: number | null;
  notes: string | null;
}

export interface ItemState {
  text: string;
  attempts: number;
  outcome: Outcome | null;
  reason: string | null;
}

export interface LoopState extends LoopDefinition {
  status: LoopStatus;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
  /** Iterations consumed (usage-limit waits do not count). */
  iteration: number;
  /** The iteration in flight: a resume adopts its workcell instead of starting another. */
  current: {
    item: string;
    itemText: string;
    workcell: string;
    startedAt: string;
    tree: string | null;
    head: string | null;
  } | null;
  items: Record<string, ItemState>;
  iterations: IterationRecord[];
  breaker: {
    open: boolean;
    reason: string | null;
    noProgress: number;
    sameError: number;
    lastError: string | null;
  };
  /** Lines the agents left as `PATTERN: ...` in their notes: every later brief carries them. */
  patterns: string[];
  /** Workcells started after a usage-limit wait, so their names stay unique. */
  waits: number;
  /** --parallel K (absent or 1: one item at a time in the repo itself) and the gap between starts. */
  parallel?: number;
  staggerMs?: number;
  /** Parallel loops: the branch and commit every item's worktree starts from. */
  base?: { branch: string; head: string };
  /** Parallel loops: the iterations in flight, by item (a resume adopts them). */
  inflight?: Record<string, Inflight>;
  /** Parallel loops: items waiting out a usage limit (ISO time they may start again), by item. */
  parked?: Record<string, string>;
}

export interface LoopControl {
  max?: number;
  stop?: boolean;
}

export class LoopFiles {
  constructor(
    readonly dir: ControlDir,
    readonly name: string,
  ) {}
  get root(): string {
    return join(this.dir.root, 'loops', this.name);
  }
  get state(): string {
    return join(this.root, 'state.json');
  }
  get control(): string {
    return join(this.root, 'control.json');
  }
  get events(): string {
    return join(this.root, 'events.jsonl');
  }
  get progress(): string {
    return join(this.root, 'progress.md');
  }
  get log(): string {
    return join(this.root, 'runner.log');
  }
  readState(): Promise<LoopState | null> {
    return readJson<LoopState>(this.state);
  }
  async writeState(s: LoopState): Promise<void> {
    await writeJsonAtomic(this.state, s);
    await writeTextAtomic(this.progress, renderProgress(s));
  }
  readControl(): Promise<LoopControl | null> {
    return readJson<LoopControl>(this.control);
  }
  async writeControl(c: LoopControl): Promise<void> {
    await writeJsonAtomic(this.control, c);
  }
  async event(type: string, data: Record<string, unknown> = {}): Promise<void> {
    await appendLine(this.events, JSON.stringify({ at: new Date().toISOString(), type, ...data }));
  }
}

export function newLoopState(def: LoopDefinition, now: Date): LoopState {
  return {
    ...def,
    status: 'running',
    statusReason: null,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    iteration: 0,
    current: null,
    items: {},
    iterations: [],
    breaker: { open: false, reason: null, noProgress: 0, sameError: 0, lastError: null },
    patterns: [],
    waits: 0,
  };
}

/** progress.md, from the evidence only (plus the agents' own notes, marked as theirs). */
export function renderProgress(s: LoopState): string {
  const out = [
    `# Progress: loop ${s.name}`,
    '',
    `Status: ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`,
  ];
  out.push(`Iterations: ${s.iteration} of at most ${s.max}`, '', '## Patterns learned', '');
  out.push(
    ...(s.patterns.length ? s.patterns.map((p) => `- ${p}`) : ['(none yet)']),
    '',
    '## Iterations',
    '',
  );
  for (const it of s.iterations) {
    out.push(`### ${it.n}. ${it.itemText}: ${it.outcome}`, '');
    out.push(`- workcell: ${it.workcell}, ${(it.ms / 1000).toFixed(1)} s`);
    if (it.reason) out.push(`- why: ${it.reason}`);
    out.push(`- files changed: ${it.files.length ? it.files.join(', ') : 'none'}; commits: ${it.commits}`);
    out.push(`- verify: ${it.verify}`);
    if (it.notes) out.push(`- the agent's notes: ${it.notes.replace(/\s*\n\s*/g, ' / ')}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

/** The last `n` iteration entries of progress.md, for the next brief. */
export function lastEntries(s: LoopState, n: number): string {
  const recent = s.iterations.slice(-n);
  if (!recent.length) return '(this is the first iteration)';
  return recent
    .map(
      (it) =>
        `- ${it.n}. ${it.itemText}: ${it.outcome}${it.reason ? ` (${it.reason})` : ''}; files: ${it.files.slice(0, 10).join(', ') || 'none'}`,
    )
    .join('\n');
}
