// Per-workcell CPU and memory, children included (MCP servers, dev servers, test runners): the
// processes are found by the workcell's recorded process group and tree (processes.ts membersOf,
// proc.json), never by name, then read from /proc. CPU is the share of one core over a short window
// (two reads); memory is the sum of the members' resident sets (shared pages counted per process, so
// it is an upper bound). Linux only: elsewhere null.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import {
  boot,
  liveIn,
  parseStat,
  readProcRecord,
  scanProcesses,
  type ProcInfo,
  type ProcRecord,
  type ProcTable,
} from '../processes.js';

// /proc reports CPU time in USER_HZ ticks, which the kernel fixes at 100 per second for userspace on
// every architecture Linux supports today (sysconf(_SC_CLK_TCK)).
export const TICKS_PER_SECOND = 100;

export interface Usage {
  name: string;
  pids: number[];
  /** Percent of one core over the window (200 = two cores busy). */
  cpuPercent: number;
  rssBytes: number;
}

/** The fields of a stat line after comm, counted from the last `)` (comm may hold spaces and
 * parentheses): rest[N - 3] is field N. */
const fieldsOf = (stat: string): string[] =>
  stat
    .slice(stat.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);

/** utime + stime (fields 14 and 15) in ticks and rss (field 24, pages) in bytes of one stat line. */
function usageOfStat(stat: string): { ticks: number; rss: number } {
  const rest = fieldsOf(stat);
  return { ticks: Number(rest[11]) + Number(rest[12]), rss: Number(rest[21]) * pageSize() };
}

let page: number | null = null;
/** The kernel's page size (Node has no sysconf): our own resident set in kB (status) over the same in
 * pages (stat), rounded to a power of two (the two reads are a moment apart). */
function pageSize(): number {
  if (page !== null) return page;
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  const pages = Number(fieldsOf(readFileSync('/proc/self/stat', 'utf8'))[21]);
  page = pages > 0 && kb > 0 ? 2 ** Math.round(Math.log2((kb * 1024) / pages)) : 4096;
  return page;
}

/** utime + stime of one process in ticks, and its resident set in bytes; null once it is gone. */
export function readUsage(pid: number): { ticks: number; rss: number } | null {
  try {
    return usageOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    // ENOENT: it exited between the table and this read
    return null;
  }
}

// One buffer for every stat line (a few hundred bytes each): an open, one read and a close per
// process, where readFileSync also stats the file and reads again to find its end.
const statBuf = Buffer.alloc(4096);
function readStat(pid: string): string {
  const fd = openSync(`/proc/${pid}/stat`, 'r');
  try {
    return statBuf.toString('utf8', 0, readSync(fd, statBuf, 0, statBuf.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** Every process on the machine (as scanProcesses) with its CPU ticks and resident set, from ONE
 * read of each /proc/PID/stat: the sampler's whole cost is this scan, every 5 s. */
export function scanWithUsage(): { table: ProcTable; usage: Map<number, { ticks: number; rss: number }> } {
  const b = boot();
  const table: ProcInfo[] = [];
  const usage = new Map<number, { ticks: number; rss: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readStat(name);
      const p = parseStat(text, b);
      if (!p) continue;
      table.push(p);
      usage.set(p.pid, usageOfStat(text));
    } catch {
      // ENOENT/ESRCH: the process exited between readdir and read
    }
  }
  return { table, usage };
}

/** Each workcell's running processes (pids) in `table`, by its recorded identity (proc.json); none
 * when it has no record yet. `record` replaces the read of proc.json (the sampler caches them). */
export async function membersOf(
  workcells: readonly { name: string; runDir: string }[],
  table: ProcTable,
  record: (runDir: string) => Promise<ProcRecord | null> = readProcRecord,
): Promise<{ name: string; pids: number[] }[]> {
  return Promise.all(
    workcells.map(async (w) => {
      const rec = await record(w.runDir);
      return { name: w.name, pids: rec ? liveIn(table, rec).map((p) => p.pid) : [] };
    }),
  );
}

/** Samples every given workcell's process tree twice, `windowMs` apart. */
export async function sampleUsage(
  workcells: readonly { name: string; runDir: string }[],
  windowMs = 500,
  table?: ProcTable,
): Promise<Usage[] | null> {
  if (process.platform !== 'linux') return null;
  const members = await membersOf(workcells, table ?? (await scanProcesses()));
  const first = members.map((m) => new Map(m.pids.map((p) => [p, readUsage(p)?.ticks ?? null])));
  await new Promise((r) => setTimeout(r, windowMs));
  return members.map((m, i) => {
    let ticks = 0;
    let rss = 0;
    for (const pid of m.pids) {
      const now = readUsage(pid);
      const before = first[i]!.get(pid);
      if (!now) continue;
      rss += now.rss;
      if (before !== null && before !== undefined) ticks += now.ticks - before;
    }
    const cpuPercent = Math.round((ticks / TICKS_PER_SECOND / (windowMs / 1000)) * 1000) / 10;
    return { name: m.name, pids: m.pids, cpuPercent, rssBytes: rss };
  });
}
