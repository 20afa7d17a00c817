// How a loop or pipeline runner tells the user (a breaker opened, a loop or pipeline ended): it does
// not send anything itself. It posts a notice BEFORE writing the state that ends the loop, pipeline
// or breaker (a runner SIGKILLed between a final state and its notice used to lose the notice: the
// state said done, so nothing ever posted it again). It writes the notice to runner-notices/<key>.json (atomically; the key is
// the event's stable id, so a runner that posts the same event twice after a crash rewrites one file),
// makes sure the daemon runs and pokes it. The supervisor's reconcile hands each notice to the
// notification dispatcher as a change with that id, and removes the file only once the dispatcher's
// ledger holds it: a crash of the runner after posting, or of the daemon at any point, neither loses
// a notice nor sends one twice (the ledger refuses an id it has seen; see notify/dispatcher.ts).
// What this gives: the daemon's retries, dedupe, digest, mute and the tray app's keychain secrets.
import { createHash } from 'node:crypto';
import { readdirSync, unlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateChange } from '../../common/notify.js';
import type { WorkcellState } from '../../common/workcell.js';
import { readJson, writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';
import { killPoint } from './killPoint.js';

export interface RunnerNotice {
  /** The loop or pipeline: notifications name it as they name a workcell. */
  name: string;
  /** `done` for a finish, `failed` for a breaker or a failed end: what the user subscribes to. */
  state: Extract<WorkcellState, 'done' | 'failed'>;
  /** loop_breaker_open, loop_done, pipeline_failed, ... (common/runnerNotice.ts has their words). */
  reason: string;
  /** Why, in one line: the message's "Why:". */
  detail: string;
  /** Stable per event (e.g. loop:NAME:breaker:<iteration>): the dedupe key everywhere. */
  id: string;
  /** ISO time of the event. */
  at: string;
  repo?: string | null;
  startedAt?: string | null;
}

export type NoticeSender = (n: RunnerNotice) => Promise<void>;

export const noticesDir = (dir: ControlDir) => join(dir.root, 'runner-notices');
const keyOf = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 32);

/** A sender for runners: the notice on disk first, then the daemon asked to look (started if it is
 * not running, unless WORKCELL_DAEMON=off). A daemon that cannot start leaves the notice on disk for
 * the next one; `log` says so. */
export function runnerNotifier(dir: ControlDir, log: (line: string) => void): NoticeSender {
  return async (n) => {
    await postNotice(dir, n);
    killPoint('notice-posted');
    log(`NOTICE ${n.name} ${n.reason}: ${n.detail}`);
    if (process.env.WORKCELL_DAEMON === 'off') return;
    const { DaemonViewer, ensureDaemon } = await import('../daemon/client.js');
    const up = await ensureDaemon(dir);
    if (!up.ok) return log(`notice kept for the daemon (${up.error.message})`);
    const v = await DaemonViewer.connect(dir);
    if (!v.ok) return log(`notice kept for the daemon (${v.error.message})`);
    v.value.poke();
    v.value.close();
  };
}

export async function postNotice(dir: ControlDir, n: RunnerNotice): Promise<void> {
  await mkdir(noticesDir(dir), { recursive: true, mode: 0o700 });
  await writeJsonAtomic(join(noticesDir(dir), `${keyOf(n.id)}.json`), n);
}

/** The change the dispatcher formats and sends (headline and next step: common/runnerNotice.ts). */
export function noticeChange(n: RunnerNotice): StateChange {
  return {
    id: n.id,
    name: n.name,
    state: n.state,
    from: null,
    at: n.at,
    reason: n.reason,
    evidence: { source: 'runner', detail: n.detail, at: n.at },
    repo: n.repo ?? null,
    startedAt: n.startedAt ?? null,
  };
}

/** The supervisor's side: each reconcile hands the pending notices to `notify` (which resolves once
 * the dispatcher's ledger holds the change), then removes them. */
export class RunnerNoticeWatch {
  constructor(
    private readonly dir: ControlDir,
    private readonly notify: (c: StateChange) => Promise<void>,
  ) {}

  async observe(): Promise<number> {
    let files: string[];
    try {
      files = readdirSync(noticesDir(this.dir)).filter((f) => f.endsWith('.json'));
    } catch {
      // ENOENT: no runner ever posted a notice in this home
      return 0;
    }
    let handed = 0;
    for (const f of files) {
      const path = join(noticesDir(this.dir), f);
      const n = await readJson<RunnerNotice>(path).catch(() => null);
      if (n) {
        await this.notify(noticeChange(n));
        handed++;
      }
      try {
        unlinkSync(path);
      } catch {
        // ENOENT: removed by a second look that ran at the same time; the ledger deduped it
      }
    }
    return handed;
  }
}
