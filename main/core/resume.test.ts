import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellStatus } from '../common/workcell.js';
import { resumeArgv } from './resume.js';

const base = (agent: WorkcellStatus['agent'], argv: string[]): WorkcellStatus => ({
  name: 'n',
  repo: '/r',
  agent,
  argv,
  state: 'failed',
  pass: 1,
  startedAt: '',
  endedAt: null,
  exitCode: 1,
  signal: null,
  verify: { ran: false, exitCode: null, at: null },
  vendorSessionId: null,
  git: { headAtStart: null, headAtEnd: null, commits: null, dirty: null, diffStat: null },
  reason: null,
  resetAt: null,
  evidence: null,
});

test('resume argv per agent: session id first, then continue, then the same command', () => {
  const cases: [WorkcellStatus, string | null, string[]][] = [
    [base('claude', ['claude', 'x']), 'abc', ['claude', '--resume', 'abc']],
    [base('codex', ['codex', 'x']), null, ['codex', 'resume', '--last']],
    [base('command', ['make', '-j4']), null, ['make', '-j4']],
  ];
  for (const [s, id, expected] of cases) {
    const { argv } = resumeArgv(s, id, []);
    assert.deepEqual(
      argv.filter((a) => !a.startsWith('--settings')),
      expected,
      s.agent,
    );
  }
});
