import { promises as fs, readFileSync, openSync, readSync, fstatSync, closeSync } from 'node:fs';

let tmpSeq = 0;

/** ENOSPC, or a quota reached: no room for a write, though everything else is fine. Callers keep
 * working from memory and say the disk is full (issue 8, B2). */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Write-temp + fsync + rename (DESIGN.md §1), and nothing else. Not write-file-atomic: its
 * signal-exit (4.1.0, loaded for the duration of every write) re-raises SIGTERM/SIGINT when it
 * thinks it is the last listener, and a `process.once('SIGTERM', ...)` handler has already removed
 * itself when signal-exit looks, so a daemon that handles SIGTERM to flush its state was killed
 * with 143 whenever the signal landed during a write (reproduced: write loop + once-handler).
 * A crash can leave a `.tmp` file beside the target; it is never read. */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.${process.pid}.${++tmpSeq}.tmp`;
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(tmp, 'w', mode);
    await fh.writeFile(data, 'utf8');
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fs.rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    // ENOENT: never created; anything else is the write error we are about to throw
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
}

export async function writeJsonAtomic(path: string, data: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`, mode);
}

export async function writeTextAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, text, mode);
}

// Reads of our own small files are synchronous on purpose: `ls` reads ~400 of them at 100 workcells,
// and a few microseconds each beats a round trip through libuv's 4-thread pool (measured: engine.list
// at 100 workcells went from ~35 ms to ~12 ms). Nothing here reads a large or remote file.
export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    // ENOENT: not written yet. A torn or foreign file reads as absent; callers treat it as unknown.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || e instanceof SyntaxError) return null;
    throw e;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    // ENOENT or EACCES: treated as absent
    return false;
  }
}

/** Append-only logs: one write(2) with O_APPEND per line, so concurrent writers never interleave a line. */
export async function appendLine(path: string, line: string): Promise<void> {
  await fs.appendFile(path, line.endsWith('\n') ? line : `${line}\n`, { mode: 0o600 });
}

/** The last `bytes` of a file (for last-line and excerpts without reading a whole agent.log). A log
 * the supervisor rotated (supervisor/logRotation.ts) goes on in `PATH.1`: when the current file holds
 * fewer than `bytes`, the rest comes from there, so a rotation just before the agent's last words
 * never leaves a reader with an empty tail. (A rotation between the two reads can repeat a stretch in
 * what is returned; it is only ever shown, never parsed.) */
export async function readTail(path: string, bytes: number): Promise<string> {
  const cur = tailBytes(path, bytes);
  if (cur.length >= bytes) return cur.toString('utf8');
  const prev = tailBytes(`${path}.1`, bytes - cur.length);
  return (prev.length ? Buffer.concat([prev, cur]) : cur).toString('utf8');
}

function tailBytes(path: string, bytes: number): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const { size } = fstatSync(fd);
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf;
  } catch (e) {
    // ENOENT: the agent has not printed anything yet (or the log was never rotated)
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// CSI, OSC (BEL or ST terminated), other two-byte escapes, and stray control characters.
/* eslint-disable no-control-regex -- terminal escape sequences are control characters */
const ANSI =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g;
/* eslint-enable no-control-regex */

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Last non-empty printable line of raw terminal output (CR-overwritten progress lines keep their last state). */
export function lastLineOf(raw: string): string {
  const lines = raw.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const segs = (lines[i] ?? '').split('\r');
    for (let j = segs.length - 1; j >= 0; j--) {
      const text = stripAnsi(segs[j] ?? '').trim();
      if (text) return text.length > 200 ? `${text.slice(0, 199)}…` : text;
    }
  }
  return '';
}

/** Complete lines appended to a JSONL file since `offset`, at most `maxBytes` per call (a backlog is
 * drained over a few calls). A truncated or replaced file starts over; a line longer than the window
 * is skipped rather than stalling the tail; a missing file is no lines. */
export async function tailLines(
  path: string,
  offset: number,
  maxBytes: number,
): Promise<{ lines: string[]; nextOffset: number }> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(path, 'r');
  } catch (e) {
    // ENOENT: nothing written yet (or the vendor rotated it away)
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], nextOffset: offset };
    throw e;
  }
  try {
    const { size } = await fh.stat();
    const start = size < offset ? 0 : offset;
    const len = Math.min(size - start, maxBytes);
    if (len <= 0) return { lines: [], nextOffset: start };
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, start);
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl < 0) return { lines: [], nextOffset: len === maxBytes ? start + len : start };
    const lines = buf.subarray(0, lastNl).toString('utf8').split('\n').filter(Boolean);
    return { lines, nextOffset: start + lastNl + 1 };
  } finally {
    await fh.close();
  }
}
