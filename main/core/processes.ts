// Every live process of a workcell, found by session, process group and parent links; never by name.
// tmux setsid()s each pane's process, so the pane pid is the session id and process group of the
// wrapper and, normally, the agent. When the pane, its session or the whole tmux server goes away,
// those processes can live on under init (gemini-cli ignores SIGHUP; 8 of 11 agents outlived a
// `kill-server`): this module finds them again from the identity recorded at start (proc.json).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from './fsutil.js';
import { RUN_FILES } from './paths.js';

/** proc.json: who the pane's process was, written once per pass right after tmux created the pane. */
export interface ProcRecord {
  /** The pane's pid: session id and process group of everything the pane started. */
  pid: number;
  /** Opaque start time of that pid; null when it had already exited before it could be read. A pid
   * counts as ours only while its start time still matches: pids are reused. */
  startTime: string | null;
  /** Pids mean nothing on another machine (a run dir on a shared home): never act on them there. */
  host: string;
  at: string;
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** Session id; -1 where the platform does not give one (macOS `ps` prints a kernel address). */
  session: number;
  /** One-letter state; Z (zombie) and X (dead) are no longer running. */
  state: string;
  comm: string;
  startTime: string;
}

export interface Ended {
  pid: number;
  comm: string;
}

/** A snapshot of every process on the machine, taken at most once per caller that needs it. */
export type ProcTable = readonly ProcInfo[];

// ---- parsing (pure, table-tested) ----

/** One /proc/PID/stat line. Field 2 (comm) is in parentheses and may itself hold spaces and
 * parentheses, so the fields after it are counted from the LAST `)`. starttime is field 22, in clock
 * ticks since boot; `boot` (the boot id) makes it unique across reboots. */
export function parseStat(text: string, boot: string): ProcInfo | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state): field N is rest[N - 3].
  if (!Number.isInteger(pid) || rest.length < 20) return null;
  const num = (i: number) => Number(rest[i]);
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: num(1),
    pgrp: num(2),
    session: num(3),
    startTime: `${boot}:${rest[19]}`,
  };
}

/** One line of `ps -axo pid=,ppid=,pgid=,stat=,lstart=,comm=` (macOS and other non-Linux systems).
 * lstart is five words under LC_ALL=C ("Mon Nov 21 10:00:00 2026"); comm goes last because it may
 * hold spaces. */
export function parsePsLine(line: string): ProcInfo | null {
  const f = line.trim().split(/\s+/);
  if (f.length < 10) return null;
  const [pid, ppid, pgrp] = [Number(f[0]), Number(f[1]), Number(f[2])];
  if (![pid, ppid, pgrp].every(Number.isInteger)) return null;
  return {
    pid,
    ppid,
    pgrp,
    session: -1,
    state: f[3]!.charAt(0),
    startTime: `ps:${f.slice(4, 9).join(' ')}`,
    comm: f.slice(9).join(' '),
  };
}

const running = (p: ProcInfo) => p.state !== 'Z' && p.state !== 'X';

/** The processes of a workcell in `table`: members of the recorded session or group, members of any
 * session or group led by one of those, and descendants by parent link (children that called setsid
 * stay reachable while their parent lives). Zombies included; filter with `running` for liveness.
 *
 * Pid reuse: the kernel never hands out a pid still in use as a session or group id, so while any of
 * our processes holds the group, the recorded pid is ours or unused. If a process with that pid runs
 * with ANOTHER start time, ours are all gone and the pid (and the group of that number) is someone
 * else's: nothing is ours. */
export function membersOf(table: ProcTable, rec: ProcRecord, o: { host: string; self: number }): ProcInfo[] {
  if (rec.host !== o.host) return [];
  const ix = indexOf(table);
  const leader = ix.byPid.get(rec.pid);
  if (leader && (rec.startTime === null || leader.startTime !== rec.startTime)) return [];
  // Members of the recorded session or group, then, until none is new: children by parent link and
  // members of any session or group a member leads (it called setsid/setpgid).
  const pids = new Map<number, ProcInfo>();
  const groups = new Set<number>();
  const queue: ProcInfo[] = [];
  const add = (p: ProcInfo): void => {
    if (pids.has(p.pid) || p.pid === o.self) return;
    pids.set(p.pid, p);
    queue.push(p);
  };
  const addGroup = (g: number): void => {
    if (groups.has(g)) return;
    groups.add(g);
    for (const p of ix.bySession.get(g) ?? []) add(p);
    for (const p of ix.byPgrp.get(g) ?? []) add(p);
  };
  addGroup(rec.pid);
  while (queue.length > 0) {
    const p = queue.pop()!;
    if (p.session === p.pid || p.pgrp === p.pid) addGroup(p.pid);
    for (const c of ix.children.get(p.pid) ?? []) add(c);
  }
  return [...pids.values()].sort((a, b) => a.pid - b.pid);
}

interface ProcIndex {
  byPid: Map<number, ProcInfo>;
  bySession: Map<number, ProcInfo[]>;
  byPgrp: Map<number, ProcInfo[]>;
  children: Map<number, ProcInfo[]>;
}

// One index per table: the resource sampler asks about 100 workcells in the same table every 5 s,
// and a scan of the whole table per workcell cost it most of its CPU.
const indexes = new WeakMap<ProcTable, ProcIndex>();

function indexOf(table: ProcTable): ProcIndex {
  let ix = indexes.get(table);
  if (ix) return ix;
  ix = { byPid: new Map(), bySession: new Map(), byPgrp: new Map(), children: new Map() };
  const push = (m: Map<number, ProcInfo[]>, k: number, p: ProcInfo) => {
    const l = m.get(k);
    if (l) l.push(p);
    else m.set(k, [p]);
  };
  for (const p of table) {
    ix.byPid.set(p.pid, p);
    push(ix.bySession, p.session, p);
    push(ix.byPgrp, p.pgrp, p);
    push(ix.children, p.ppid, p);
  }
  indexes.set(table, ix);
  return ix;
}

/** Running members only: what `ls` calls alive. */
export function liveIn(table: ProcTable, rec: ProcRecord): ProcInfo[] {
  return membersOf(table, rec, { host: hostname(), self: process.pid }).filter(running);
}

// ---- the platform part ----

let bootId: string | null = null;
export function boot(): string {
  // Read once per process: the boot id changes only on reboot.
  bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return bootId;
}

/** Every process on the machine. Linux reads /proc (synchronously: a few hundred tiny files cost
 * less than the thread-pool round trips); elsewhere one `ps`. */
export async function scanProcesses(): Promise<ProcTable> {
  if (process.platform === 'linux') {
    const b = boot();
    const out: ProcInfo[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const p = parseStat(readFileSync(join('/proc', name, 'stat'), 'utf8'), b);
        if (p) out.push(p);
      } catch {
        // ENOENT/ESRCH: the process exited between readdir and read
      }
    }
    return out;
  }
  const stdout = await new Promise<string>((resolve) =>
    execFile(
      'ps',
      ['-axo', 'pid=,ppid=,pgid=,stat=,lstart=,comm='],
      { env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 16 << 20 },
      (_e, so) => resolve(String(so ?? '')), // ps failing leaves an empty table: nothing found, nothing killed
    ),
  );
  return stdout
    .split('\n')
    .map(parsePsLine)
    .filter((p): p is ProcInfo => p !== null);
}

/** A lazily taken, shared snapshot: the first caller pays for the scan, the rest reuse it, and a
 * caller that never needs it never scans (`ls` with every pane alive). */
export function lazyTable(): () => Promise<ProcTable> {
  let t: Promise<ProcTable> | null = null;
  return () => (t ??= scanProcesses());
}

/** The start time of a live pid (Linux, synchronous), or null when it is gone. */
export function linuxStartTime(pid: number): string | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), boot())?.startTime ?? null;
  } catch {
    // ENOENT: it already exited (an agent that ended at once)
    return null;
  }
}

/** The identity of a pid as it is now (start time and host), or startTime null when it is gone. */
export async function identify(pid: number): Promise<ProcRecord> {
  const startTime =
    process.platform === 'linux'
      ? linuxStartTime(pid)
      : ((await scanProcesses()).find((p) => p.pid === pid)?.startTime ?? null);
  return { pid, startTime, host: hostname(), at: new Date().toISOString() };
}

export async function recordProcess(runDir: string, pid: number): Promise<ProcRecord> {
  const rec = await identify(pid);
  await writeJsonAtomic(join(runDir, RUN_FILES.proc), rec);
  return rec;
}

export function readProcRecord(runDir: string): Promise<ProcRecord | null> {
  return readJson<ProcRecord>(join(runDir, RUN_FILES.proc));
}

/** The verify.sh running for this workcell now, if any (written by runVerify in finish.ts). */
export function readVerifyRecord(runDir: string): Promise<ProcRecord | null> {
  return readJson<ProcRecord>(join(runDir, RUN_FILES.verifyProc));
}

/** Running processes of the workcell(s) `records` describe, from a fresh scan. */
export async function liveProcesses(records: ProcRecord | readonly ProcRecord[]): Promise<ProcInfo[]> {
  const table = await scanProcesses();
  return union(table, records);
}

function union(table: ProcTable, records: ProcRecord | readonly ProcRecord[]): ProcInfo[] {
  const all = new Map<number, ProcInfo>();
  for (const r of Array.isArray(records) ? records : [records])
    for (const p of liveIn(table, r as ProcRecord)) all.set(p.pid, p);
  return [...all.values()];
}

/** "pid 123 (node), 456 (sh)" for the CLI and events. */
export function describeEnded(ended: readonly Ended[]): string {
  return ended.map((e) => `pid ${e.pid} (${e.comm})`).join(', ');
}

// Rescan interval while waiting for signalled processes to go.
const POLL_MS = 50;
// After SIGKILL the kernel needs only a moment; this bounds the wait for one that is stuck in D state.
const KILL_WAIT_MS = 3_000;

/** TERM every process of the workcell, KILL what is left after `graceMs`, and wait until none runs.
 * Processes that appear meanwhile (a wrapper exec'ing its finisher, a child forked late) are caught
 * by the rescans. Returns what it signalled, in pid order. */
export async function terminate(
  records: ProcRecord | readonly ProcRecord[],
  o: { graceMs: number },
): Promise<Ended[]> {
  const ended = new Map<number, Ended>();
  const signalAll = (procs: ProcInfo[], sig: NodeJS.Signals, onlyNew: boolean) => {
    for (const p of procs) {
      if (onlyNew && ended.has(p.pid)) continue;
      try {
        process.kill(p.pid, sig);
      } catch {
        // ESRCH: it exited between the scan and the signal
      }
      if (!ended.has(p.pid)) ended.set(p.pid, { pid: p.pid, comm: p.comm });
    }
  };
  let live = await liveProcesses(records);
  signalAll(live, 'SIGTERM', false);
  const grace = Date.now() + o.graceMs;
  while (live.length > 0 && Date.now() < grace) {
    await sleep(POLL_MS);
    live = await liveProcesses(records);
    signalAll(live, 'SIGTERM', true);
  }
  const killBy = Date.now() + KILL_WAIT_MS;
  while (live.length > 0 && Date.now() < killBy) {
    signalAll(live, 'SIGKILL', false);
    await sleep(POLL_MS / 2);
    live = await liveProcesses(records);
  }
  return [...ended.values()].sort((a, b) => a.pid - b.pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
