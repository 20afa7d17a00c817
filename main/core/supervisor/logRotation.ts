// agent.log is bounded (issue 8: one flooding agent wrote 270 MB). tmux's pipe-pane feeds it through a
// plain `cat`; when a live workcell's log passes settings.agentLogMaxMB, the supervisor renames it to
// agent.log.1 (replacing the previous one) and points pipe-pane at a fresh agent.log. Nothing is
// reordered: the old `cat` drains what tmux had handed it into the renamed file, and tmux sends what
// comes after the switch to the new pipe. What tmux still had queued for the old pipe at that instant
// may be dropped (seen once in a flood under load: part of one line). A node writer per pane did the same at ~50 MB of
// memory per live workcell; `cat` takes 2 MB.
import { renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkcellSummary } from '../../common/workcell.js';
import { RUN_FILES } from '../paths.js';
import { agentLogPipe, type Tmux } from '../tmux.js';

// A flooding pane writes a few MB a second: looking once a second keeps the overshoot small; a stat
// is microseconds, and quiet panes are not looked at by the reconcile at all.
export const ROTATION = { checkEveryMs: 1_000 } as const;

export class LogRotation {
  private readonly checkedAt = new Map<string, number>();
  private readonly rotating = new Set<string>();

  constructor(
    private readonly tmux: Tmux,
    private readonly capBytes: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** For a live workcell at each look: rotates its agent.log when it has passed the cap. */
  async check(w: WorkcellSummary, now: number): Promise<void> {
    if (this.rotating.has(w.name) || now - (this.checkedAt.get(w.name) ?? 0) < ROTATION.checkEveryMs) return;
    this.checkedAt.set(w.name, now);
    const path = join(w.runDir, RUN_FILES.log);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return; // no output yet, or the run dir was removed
    }
    if (size < this.capBytes()) return;
    this.rotating.add(w.name);
    try {
      renameSync(path, `${path}.1`);
      // Without -o: the pane's current pipe is closed and the new one opened in the same command.
      const r = await this.tmux.run(['pipe-pane', '-t', `=${w.name}:`, agentLogPipe(w.runDir)]);
      if (!r.ok) this.log(`${w.name}: agent.log rotated, but its new pipe failed: ${r.error.message}`);
      else this.log(`${w.name}: agent.log passed ${Math.round(size / 1048576)} MB; kept as agent.log.1`);
    } catch (e) {
      this.log(`${w.name}: could not rotate agent.log: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    } finally {
      this.rotating.delete(w.name);
    }
  }

  forget(present: Set<string>): void {
    for (const name of this.checkedAt.keys()) if (!present.has(name)) this.checkedAt.delete(name);
  }
}
