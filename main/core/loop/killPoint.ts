// TEST-ONLY: WORKCELL_TEST_SIGKILL_AT=POINT makes a detached runner SIGKILL itself when it reaches
// POINT, so a test can prove that a crash exactly there loses nothing (runnerNotice.test.ts). Unset,
// as it always is outside tests, this is one environment lookup. Points:
//   notice-posted      a loop's or pipeline's end notice is on disk, its final state not yet
//   final-state        the final state is on disk, just written (the notice went first; before, a
//                      crash here lost it)
export type KillPoint = 'notice-posted' | 'final-state';

export function killPoint(point: KillPoint): void {
  if (process.env.WORKCELL_TEST_SIGKILL_AT === point) process.kill(process.pid, 'SIGKILL');
}
