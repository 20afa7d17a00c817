// The daemon's own log, daemon/daemon.log, rotated to daemon.log.1 past a size, so a daemon that runs
// for months keeps a bounded, readable trail (`workcell daemon logs`, and the last line that
// `workcell ls` shows when no supervisor is watching).
import { appendFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readTail } from '../fsutil.js';
import type { ControlDir } from '../paths.js';
import { daemonDir } from './layout.js';

// 1 MiB current + 1 MiB previous: weeks of state changes, never a disk filler.
export const DAEMON_LOG = { maxBytes: 1 << 20 } as const;

export const daemonLogPath = (dir: ControlDir) => join(daemonDir(dir), 'daemon.log');

export class DaemonLog {
  private size: number;
  constructor(
    private readonly path: string,
    private readonly maxBytes: number = DAEMON_LOG.maxBytes,
  ) {
    this.size = sizeOf(path);
  }

  write(line: string): void {
    const text = `${new Date().toISOString()} ${line.replace(/\n(?!$)/g, '\n    ')}\n`;
    try {
      if (this.size + text.length > this.maxBytes) {
        renameSync(this.path, `${this.path}.1`);
        this.size = 0;
      }
      appendFileSync(this.path, text, { mode: 0o600 });
      this.size += Buffer.byteLength(text);
    } catch {
      // full disk or the home removed: the daemon keeps supervising without its log
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    // ENOENT: a new log
    return 0;
  }
}

/** The last non-empty line of the daemon's log (why it stopped, usually), or ''. */
export async function lastDaemonLogLine(dir: ControlDir): Promise<string> {
  const tail = await readTail(daemonLogPath(dir), 4_096).catch(() => '');
  const lines = tail.split('\n').filter((l) => l.trim());
  return lines[lines.length - 1] ?? '';
}
