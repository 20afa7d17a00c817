// Why an iteration's agent ended, read by the loop runner itself when nobody has said so yet. The
// reason on status.json (`rate_limited`, `auth_failed`, ...) is written by the daemon when it reports
// the exit and captures the dead pane; the finisher writes its `finished` event without waiting for
// that. An agent that printed a usage limit and exited at once was therefore judged `failed` (exit 1)
// or `no_output` (exit 0) whenever the finisher beat the daemon, and always with no daemon running:
// a limit burned a retry. So when a verdict would cost a retry and no reason is recorded, the runner
// reads that screen with the same rule (detect/endReason.ts readEnd) and records what it finds,
// as the daemon would.
import { join } from 'node:path';
import type { WorkcellStatus } from '../../common/workcell.js';
import { loadPatterns } from '../agents/patterns.js';
import { readEnd } from '../detect/endReason.js';
import type { Engine } from '../engine.js';
import { readTail } from '../fsutil.js';
import { cleanTerminalText } from '../notify/format.js';
import { RUN_FILES } from '../paths.js';
import { Transitions } from '../transition.js';
import type { Ended } from './iteration.js';
import { isSuccess, type Outcome } from './loopState.js';

// As much of the last screen as the daemon's exit report reads (supervisor/changeReporter.ts).
const SCREEN_LINES = 40;
const LOG_BYTES = 4_096;

/** `status` with its end reason (and reset time) filled from its last screen when it has none; the
 * reason is persisted under the same condition the daemon uses (no reason yet, same pass). */
export async function withEndReason(
  engine: Engine,
  status: WorkcellStatus,
  now: Date,
): Promise<WorkcellStatus> {
  if (status.reason || (status.state !== 'done' && status.state !== 'failed')) return status;
  // The dead pane holds the screen as the user saw it; agent.log when the session is gone.
  const screen =
    (await engine.tmux.captureDead([status.name], SCREEN_LINES).catch(() => new Map<string, string>())).get(
      status.name,
    ) ?? (await readTail(join(engine.dir.runDir(status.name), RUN_FILES.log), LOG_BYTES).catch(() => ''));
  const end = readEnd({
    agent: status.agent,
    screen: cleanTerminalText(screen),
    now,
    patterns: loadPatterns(status.agent, engine.dir.patterns).patterns,
    exitStatus: status.state === 'done' ? 0 : status.exitCode,
  });
  if (!end) return status;
  const { reason, detection: d } = end;
  const resetAt = d.resetAt ?? status.resetAt;
  const evidence = {
    ...(status.evidence ?? d.evidence),
    detail: `${status.evidence?.detail ?? status.state}; last screen: ${d.evidence.detail}`,
  };
  const t = await new Transitions(engine.store)
    .transition(status.name, {
      when: (s) => !s.reason && s.pass === status.pass,
      evidence,
      patch: { reason, resetAt },
    })
    .catch(() => null); // the run dir went away meanwhile: judge on what was read
  return t?.status ?? { ...status, reason, resetAt };
}

/** `ended` with `sawLimit` set when its last screen shows a usage limit. Read only for a verdict that
 * would cost an iteration and a retry (not a success, not a cancel) and no limit already seen: a
 * screen capture per successful iteration was loop overhead for nothing. */
export async function limitedAtEnd(
  engine: Engine,
  ended: Ended,
  outcome: Outcome,
  now: Date,
): Promise<Ended> {
  if (ended.sawLimit || isSuccess(outcome) || outcome === 'cancelled') return ended;
  const status = await withEndReason(engine, ended.status, now);
  return { ...ended, status, sawLimit: status.reason === 'rate_limited' };
}
