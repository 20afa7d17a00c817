// The structured sources a capture keeps beside the screen, so detector tests can use what the CLIs
// write for themselves: the hook events the product's own sink records (the hooks workcell installs,
// prepareHooks: claude --settings, codex notify, gemini system defaults, opencode plugin), the tail of the CLI's
// transcript in its throwaway HOME, and claude's `-p --output-format stream-json` events.
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { prepareHooks, readHookEvents, type HookEvent } from '../../agents/hooks.js';
import { readTail, stripAnsi } from '../../fsutil.js';
import { findVendorLog, innerMessage, splitRecords, vendorLogEvent } from '../../agents/vendorLogs.js';
import type { Vendor } from './vendors.js';

export interface Sources {
  /** Hook events as the product's sink wrote them (the last 40). */
  hooks?: HookEvent[];
  /** The newest transcript file under the throwaway HOME (path relative to it) and its last lines. */
  transcript?: { file: string; tail: string[] };
  /** claude stream_json: the last stream events, one JSON line each. */
  stream?: string[];
  /** The vendor's own log in the run dir (vendorLogs.ts): its last records that mean an event, one
   * line each (gemini's pretty-printed telemetry records compacted to the attributes read). */
  vendorLog?: { file: string; tail: string[] };
}

// Where each CLI keeps its session transcript (measured on the pinned versions).
const TRANSCRIPT_ROOTS: Record<Vendor['name'], string[]> = {
  claude: ['.claude/projects'],
  codex: ['.codex/sessions'],
  gemini: ['.gemini/tmp'],
  copilot: ['.copilot/session-state'],
  opencode: ['.local/share/opencode/storage/part', '.local/share/opencode/storage/message'],
};

// A tail is for tests, not an archive: a rollout's first line (the instructions) is tens of KB.
const TAIL_BYTES = 12_000;
const TAIL_LINES = 10;
const LINE_CHARS = 1_200;
const HOOK_EVENTS = 40;

export async function installHooks(
  vendor: Vendor,
  runDir: string,
): Promise<{ args: string[]; env: Record<string, string> }> {
  // The suite puts opencode's plugin package in place in each throwaway HOME (vendors.ts companion).
  const h = await prepareHooks(vendor.name, runDir, { opencodePlugin: true });
  return { args: h.args, env: h.env };
}

// A long JSON line (claude's init with every tool, a rollout's instructions) is shrunk, not cut, so
// it still parses: long strings and arrays are shortened, and what is still too long keeps its type.
function shrink(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return v.length > 200 ? `${v.slice(0, 199)}…` : v;
  if (Array.isArray(v)) return (v.length > 5 ? v.slice(0, 5) : v).map((x) => shrink(x, depth + 1));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, depth > 4 ? '…' : shrink(x, depth + 1)]));
  return v;
}

function clip(l: string): string {
  if (l.length <= LINE_CHARS) return l;
  try {
    const v = JSON.parse(l) as Record<string, unknown>;
    const small = JSON.stringify(shrink(v));
    if (small.length <= LINE_CHARS) return small;
    const keep = ['type', 'subtype', 'timestamp'].filter((k) => k in v);
    return JSON.stringify({ ...Object.fromEntries(keep.map((k) => [k, shrink(v[k])])), shrunk: true });
  } catch {
    // not JSON (a torn line or a log line): cut
    return `${l.slice(0, LINE_CHARS - 1)}…`;
  }
}

async function tailOf(file: string): Promise<string[]> {
  const text = await readTail(file, TAIL_BYTES);
  const lines = text.split('\n').filter((l) => l.trim());
  // The first line of a cut read is torn unless the whole file fit.
  if (text.length >= TAIL_BYTES) lines.shift();
  return lines.slice(-TAIL_LINES).map(clip);
}

function newestFile(root: string): string | null {
  let best: { file: string; mtime: number } | null = null;
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true, encoding: 'utf8' });
  } catch {
    // the CLI never wrote there (no session yet)
    return null;
  }
  for (const n of names) {
    if (!/\.jsonl?$/.test(n)) continue;
    const file = join(root, n);
    try {
      const s = statSync(file);
      if (s.isFile() && (!best || s.mtimeMs > best.mtime)) best = { file, mtime: s.mtimeMs };
    } catch {
      // removed between the listing and the stat
    }
  }
  return best?.file ?? null;
}

const VENDOR_LOG_RECORDS = 20;
// The attributes of a gemini telemetry record that vendorLogEvent reads (the rest is resource and
// SDK bookkeeping, kilobytes a record).
const GEMINI_KEPT = [
  'event.name',
  'event.timestamp',
  'status_code',
  'error.message',
  'attempt',
  'max_attempts',
  'error_type',
  'model',
  'role',
];

function compactLogRecord(vendor: string, record: string): string {
  if (vendor !== 'gemini') return clip(record);
  const a = (JSON.parse(record) as { attributes: Record<string, unknown> }).attributes;
  // The error body is kept as the parser reads it: the API's message and its status words.
  const kept = Object.fromEntries(
    GEMINI_KEPT.filter((k) => k in a).map((k) => [
      k,
      k === 'error.message' && typeof a[k] === 'string' ? innerMessage(a[k]).slice(0, 600) : a[k],
    ]),
  );
  return JSON.stringify({ attributes: kept });
}

export async function collectSources(o: {
  vendor: Vendor;
  home: string;
  runDir: string;
  streamFile?: string;
}): Promise<Sources> {
  const out: Sources = {};
  const hooks = await readHookEvents(o.runDir).catch(() => null);
  if (hooks?.events.length) out.hooks = hooks.events.slice(-HOOK_EVENTS);
  const files = TRANSCRIPT_ROOTS[o.vendor.name]
    .map((r) => newestFile(join(o.home, r)))
    .filter((f): f is string => f !== null)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (files[0]) out.transcript = { file: relative(o.home, files[0]), tail: await tailOf(files[0]) };
  const log = await findVendorLog(o.vendor.name, o.runDir);
  if (log) {
    const text = await readFile(log, 'utf8').catch(() => '');
    const tail = splitRecords(o.vendor.name, text)
      .records.filter((r) => vendorLogEvent(o.vendor.name, r))
      .map((r) => compactLogRecord(o.vendor.name, r))
      .slice(-VENDOR_LOG_RECORDS);
    if (tail.length) out.vendorLog = { file: relative(o.runDir, log), tail };
  }
  if (o.streamFile) {
    const lines = (await tailOf(o.streamFile)).map(stripAnsi).filter((l) => l.startsWith('{'));
    if (lines.length) out.stream = lines;
  }
  return out;
}
