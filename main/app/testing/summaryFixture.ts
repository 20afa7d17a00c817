// A WorkcellSummary with sensible defaults, for the unit tests of the pure tray and notification modules.
import type { WorkcellState, WorkcellSummary } from '../../common/workcell.js';

export function summaryFixture(
  name: string,
  state: WorkcellState,
  over: Partial<WorkcellSummary> = {},
): WorkcellSummary {
  return {
    name,
    state,
    agent: 'claude',
    repo: '/src/repo',
    pass: 1,
    startedAt: '2025-06-01T11:50:00.000Z',
    endedAt: null,
    exitCode: null,
    signal: null,
    verify: { ran: false, exitCode: null, at: null },
    verified: null,
    runDir: `/tmp/wc/runs/${name}`,
    lastLine: '',
    reason: null,
    resetAt: null,
    evidence: null,
    muted: false,
    pane: { pid: 1, dead: false, width: 80, height: 24, title: '', activity: 0 },
    ...over,
  };
}
