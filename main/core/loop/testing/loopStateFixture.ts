// A loop's state as `workcell loop` creates it, for tests that build views from it (the dashboard's
// GET /api/loops, the tray's loop entries): a codex loop over /r/PRD.md with the default limits.
import { newLoopState, type LoopState } from '../loopState.js';

export function loopStateFixture(name: string, at: Date): LoopState {
  return newLoopState(
    {
      name,
      repo: '/r',
      agent: 'codex',
      args: [],
      prd: '/r/PRD.md',
      verify: null,
      max: 10,
      retryCap: 3,
      timeoutMs: 1,
      headless: true,
    },
    at,
  );
}
