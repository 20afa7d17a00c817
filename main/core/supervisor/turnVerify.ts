// The end of an interactive turn is a completion (issue 7): the agent sits at its prompt and never
// exits, so the in-pane finisher never runs verify.sh. The supervisor runs it here, in the repo, and
// records the result through the one state path, so the turn's notification carries the truth.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TURN_END } from '../../common/notify.js';
import type { WorkcellSummary } from '../../common/workcell.js';
import { readTail } from '../fsutil.js';
import { runVerify } from '../finish.js';
import { RUN_FILES } from '../paths.js';
import type { Transitions } from '../transition.js';

const VERIFY_TAIL_BYTES = 4_000;

/** Runs verify.sh for a finished turn; returns the workcell with the result (unchanged when there is
 * no verify.sh). Never throws: a verify that cannot run is a failed verify with a null code. */
export async function verifyTurn(
  transitions: Transitions,
  w: WorkcellSummary,
  run = true,
): Promise<WorkcellSummary> {
  // The reason is persisted too: a supervisor restarted before the turn was told still knows it was one.
  // run false (settings verifyAt "exit"): the turn is told without a verify result.
  if (!run || !existsSync(join(w.runDir, RUN_FILES.verify))) {
    await transitions
      .transition(w.name, {
        when: (s) => s.pass === w.pass && s.state === 'idle',
        patch: { reason: TURN_END },
      })
      .catch(() => undefined); // run dir removed meanwhile: the notification still says it
    return { ...w, reason: TURN_END };
  }
  const v: { exitCode: number | null; reason?: string } = await runVerify(w.runDir, w.repo).catch(() => ({
    exitCode: null,
  }));
  const tail = (
    await readTail(join(w.runDir, RUN_FILES.verifyLog), VERIFY_TAIL_BYTES).catch(() => '')
  ).trimEnd();
  const verify = {
    ran: true,
    exitCode: v.exitCode,
    at: new Date().toISOString(),
    outputTail: tail,
    trigger: 'turn' as const,
    ...(v.reason ? { reason: v.reason } : {}),
  };
  await transitions
    .transition(w.name, {
      when: (s) => s.pass === w.pass,
      patch: { verify, ...(w.state === 'idle' ? { reason: TURN_END } : {}) },
      event: {
        type: 'verified',
        exitCode: v.exitCode,
        ok: v.exitCode === 0,
        pass: w.pass,
        trigger: 'turn',
        ...(v.reason ? { reason: v.reason } : {}),
      },
    })
    .catch(() => {
      // run dir removed meanwhile (gc --remove): the notification still carries the result
    });
  return { ...w, verify, verified: v.exitCode === 0, reason: TURN_END };
}
