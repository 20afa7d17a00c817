import type { WorkcellStatus } from '../../common/workcell.js';

/** A complete status.json for pure tests; override what the case is about. */
export function testStatus(over: Partial<WorkcellStatus> = {}): WorkcellStatus {
  return {
    name: 'w',
    repo: '/r',
    agent: 'command',
    argv: [],
    state: 'running',
    pass: 1,
    startedAt: '2026-11-21T09:00:00Z',
    endedAt: null,
    exitCode: null,
    signal: null,
    verify: { ran: false, exitCode: null, at: null },
    vendorSessionId: null,
    git: { headAtStart: null, headAtEnd: null, commits: null, dirty: null, diffStat: null },
    reason: null,
    resetAt: null,
    evidence: null,
    ...over,
  };
}
