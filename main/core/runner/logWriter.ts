// Started by tmux `pipe-pane` for each pane (start.ts) in place of `cat >> agent.log`: appends the
// pane's bytes exactly as they come, and when agent.log passes settings.agentLogMaxMB it becomes
// agent.log.1 (replacing the previous one) and a fresh agent.log starts. One flooding agent wrote
// 270 MB with `cat` (issue 8); now a pass keeps at most about twice the cap.
//   usage: logWriter LOGPATH   (a path we own: runs/<name>/agent.log; the cap comes from settings)
// Readers never notice a rotation: they read the tail of agent.log, which holds the latest output.
import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ControlDir } from '../paths.js';
import { limitsOf } from '../settingsJson.js';

const path = process.argv[2] ?? '';
if (!path) {
  process.stderr.write('usage: logWriter LOGPATH\n');
  process.exit(2);
}
// runs/<name>/agent.log: the control dir is three levels up.
const maxBytes = Math.max(
  1,
  Math.floor(limitsOf(new ControlDir(dirname(dirname(dirname(path)))).settings).agentLogMaxMB * 1024 * 1024),
);

let fd = openSync(path, 'a', 0o600);
let size = fstatSync(fd).size;

function write(chunk: Buffer): void {
  for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off, chunk.length - off);
  size += chunk.length;
  // The chunk that crosses the cap stays whole (at most one read, 256 KiB, past it): a rotation
  // never splits what the agent wrote in one go, and no byte is dropped or repeated.
  if (size >= maxBytes) {
    closeSync(fd);
    renameSync(path, `${path}.1`);
    fd = openSync(path, 'a', 0o600);
    size = 0;
  }
}

// Blocking reads into one buffer on fd 0 (the pipe from tmux), never process.stdin: a stream
// allocated a buffer per chunk and measured 110 MB/s at ~85 MB RSS on a 200 MB flood; this loop is
// within a few percent of `cat`'s speed at a constant, small footprint (docs/engine.md has the figures).
const buf = Buffer.allocUnsafe(256 * 1024);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  let n: number;
  try {
    n = readSync(0, buf, 0, buf.length, null);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A non-blocking pipe with nothing in it yet: wait a moment (the thread, not a busy loop).
    if (code === 'EAGAIN') {
      Atomics.wait(pause, 0, 0, 5);
      continue;
    }
    if (code === 'EOF') break;
    throw e;
  }
  if (n === 0) break; // EOF: the pane closed or pipe-pane was turned off
  try {
    write(buf.subarray(0, n));
  } catch (e) {
    // A full disk or a removed run dir: like `cat`, stop (tmux closes the pipe; the agent runs on).
    process.stderr.write(`workcell log writer: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    process.exit(1);
  }
}
closeSync(fd);
