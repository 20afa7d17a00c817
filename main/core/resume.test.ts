import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellStatus } from '../common/workcell.js';
import { resumeArgv } from './resume.js';
import { testStatus } from './testing/status.js';

const base = (agent: WorkcellStatus['agent'], argv: string[]): WorkcellStatus =>
  testStatus({ agent, argv, state: 'failed', exitCode: 1 });

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
