// The dispatcher's ledger (state/notified.json) is the record of what was sent; the workcell's own
// timeline (events.jsonl, a `notified` line per delivery) is the second. When the ledger is lost or
// corrupt, the dispatcher asks this before sending a change it does not know: the timeline decides
// instead of a blanket "skip everything older than the new ledger".
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../paths.js';

// The end of the timeline is where a recent delivery is; a months-long run's file is not read whole.
const TAIL_BYTES = 64 * 1024;

/** true: the timeline says this change reached this notifier; null: it does not say (not false: a
 * timeline cut by a full disk cannot prove a change was never sent). */
export function notifiedInTimeline(runDir: string, changeId: string, notifier: string): boolean | null {
  let text: string;
  try {
    const fd = openSync(join(runDir, RUN_FILES.events), 'r');
    try {
      const size = fstatSync(fd).size;
      const len = Math.min(size, TAIL_BYTES);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    // ENOENT: no timeline (the run dir was removed); it says nothing
    return null;
  }
  const needle = JSON.stringify(changeId);
  for (const line of text.split('\n')) {
    if (!line.includes(needle) || !line.includes('"notified"')) continue;
    try {
      const e = JSON.parse(line) as { type?: string; changeId?: string; notifier?: string };
      if (e.type === 'notified' && e.changeId === changeId && e.notifier === notifier) return true;
    } catch {
      // the first, cut line of the tail, or a line torn by a crash
    }
  }
  return null;
}
