// GET /api/workcells/:name/log and /diff (issue 10): what the detail pane opens on for a failed or
// ended workcell (the log tail and the last screen) and for a done one (the diff since the start).
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { parseUnifiedDiff, type LogTail, type WorkcellDiff } from '../../common/detailApi.js';
import { validateName } from '../../common/workcell.js';
import { stripAnsi } from '../fsutil.js';
import { RUN_FILES } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { join } from 'node:path';
import { sendJson } from './api.js';
import type { BridgeEngine } from './engineApi.js';

export const DETAIL_LIMITS = {
  /** The log view is a tail, not the log: 256 KiB is thousands of lines, and a 1 GB log stays cheap. */
  logTailBytes: 262_144,
  /** A diff beyond 2 MiB is not read in a browser pane; the file list up to the cut still is. */
  diffBytes: 2_097_152,
  /** git on a big repo can be slow; the pane says so instead of hanging. */
  gitTimeoutMs: 15_000,
} as const;

// A commit id as git prints it; anything else in status.json (hand-edited) never reaches git's argv,
// where `--output=...` would be an option.
const SHA = /^[0-9a-f]{7,64}$/;

async function readTail(file: string, bytes: number): Promise<{ text: string; truncated: boolean }> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    // ENOENT: no output yet (the pipe opens with the first byte)
    return { text: '', truncated: false };
  }
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    // Start at a line boundary: a cut line (or a cut UTF-8 sequence) reads as noise.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return { text, truncated: start > 0 };
  } finally {
    await fh.close();
  }
}

/** What a terminal would show: escape sequences dropped, a line overwritten by CR keeps its last state. */
export function cleanLog(raw: string): string {
  return raw
    .split('\n')
    .map((l) => {
      const segs = l.replace(/\r+$/, '').split('\r');
      return stripAnsi(segs[segs.length - 1] ?? '').trimEnd();
    })
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

async function logTail(engine: BridgeEngine, name: string, signal?: AbortSignal): Promise<Result<LogTail>> {
  const s = await engine.status(name);
  if (!s.ok) return s;
  if (signal?.aborted) return ABANDONED;
  const raw = await readTail(join(engine.dir.runDir(name), RUN_FILES.log), DETAIL_LIMITS.logTailBytes);
  let screen: string | null = null;
  if (s.value.pane && !signal?.aborted) {
    const c = await engine.tmux.capture(name, { dead: s.value.pane.dead });
    // SESSION_GONE between the status and the capture: the log tail alone is the answer.
    if (c.ok) screen = c.value.replace(/\n+$/, '');
  }
  return ok({ text: cleanLog(raw.text), truncated: raw.truncated, screen });
}

const ABANDONED = err('BAD_ARGS', 'the request was abandoned');

function git(
  cwd: string,
  args: string[],
  signal?: AbortSignal,
): Promise<Result<{ out: string; truncated: boolean }>> {
  if (signal?.aborted) return Promise.resolve(ABANDONED);
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      {
        cwd,
        encoding: 'utf8',
        timeout: DETAIL_LIMITS.gitTimeoutMs,
        maxBuffer: DETAIL_LIMITS.diffBytes,
        // The client went away: git is killed, not left diffing a big repo for nobody.
        ...(signal ? { signal } : {}),
      },
      (error, stdout) => {
        if (signal?.aborted) return resolve(ABANDONED);
        if (!error) return resolve(ok({ out: stdout, truncated: false }));
        // Over maxBuffer: node kept what was read; the pane shows it with "truncated".
        if ((error as { code?: unknown }).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          return resolve(ok({ out: stdout, truncated: true }));
        resolve(err('BAD_REPO', `git could not diff in ${cwd}: ${error.message.split('\n')[0]}`));
      },
    );
  });
}

async function diff(engine: BridgeEngine, name: string, signal?: AbortSignal): Promise<Result<WorkcellDiff>> {
  const s = await engine.readArtifact(name, 'status');
  if (!s.ok) return s;
  let status: { repo?: string; git?: { headAtStart?: string | null; headAtEnd?: string | null } };
  try {
    status = JSON.parse(s.value || '{}') as typeof status;
  } catch {
    // hand-edited status.json: an expected failure with a message
    return err('BROKEN_RUN', `${name}: status.json is not valid JSON`);
  }
  const base = status.git?.headAtStart ?? null;
  const end = status.git?.headAtEnd ?? null;
  if (!status.repo || !base || !SHA.test(base))
    return err('NOT_FOUND', `${name}: no start commit was recorded (not a git repository at the start?)`);
  const head = await git(status.repo, ['rev-parse', '--verify', '-q', 'HEAD'], signal);
  // The workcell's range: start to the working tree while the repo is still where the agent left it
  // (uncommitted work included, as in the recorded diff stat); start to its last commit once the
  // repo has moved on, so later work by someone else is not shown as the agent's.
  const moved = end !== null && SHA.test(end) && head.ok && head.value.out.trim() !== end;
  const args = [
    '-c',
    'core.quotePath=false',
    'diff',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '-M',
    base,
  ];
  if (moved) args.push(end);
  args.push('--');
  const d = await git(status.repo, args, signal);
  if (!d.ok) return d;
  const files = parseUnifiedDiff(d.value.out);
  if (!moved) {
    // New files the agent has not added: `git diff` leaves them out, the user wants to see them.
    const u = await git(status.repo, ['ls-files', '-z', '--others', '--exclude-standard'], signal);
    for (const path of u.ok ? u.value.out.split('\0').filter(Boolean) : [])
      files.push({ path, oldPath: null, status: 'untracked', added: 0, removed: 0, hunks: [] });
  }
  return ok({
    base,
    target: moved ? end : 'working tree',
    files,
    truncated: d.value.truncated,
  });
}

/** GET /api/workcells/:name/{log,diff}. Returns false for another action (the caller answers 404). */
export async function handleDetailGet(
  engine: BridgeEngine,
  res: ServerResponse,
  name: string,
  action: string,
  signal?: AbortSignal,
): Promise<boolean> {
  if (action !== 'log' && action !== 'diff') return false;
  const bad = validateName(name);
  if (bad) return (sendJson(res, { ok: false, error: bad }), true);
  const r = action === 'log' ? await logTail(engine, name, signal) : await diff(engine, name, signal);
  // Nobody is listening for an abandoned answer.
  if (!signal?.aborted) sendJson(res, r);
  return true;
}
