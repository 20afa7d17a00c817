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

test('a --headless workcell resumes headless: the vendor non-interactive resume, else its own headless launch', () => {
  const headless = (agent: WorkcellStatus['agent'], argv: string[]) => ({
    ...base(agent, argv),
    headless: true,
  });
  const runDir = '/home/u/.workcells/runs/w';
  const prompt = `Continue the task described in ${runDir}/brief.md. The previous pass stopped before it was done: read ${runDir}/handoff.md if it exists, then finish the task and write the handoff note the brief asks for.`;
  const cases: [WorkcellStatus, string | null, string[]][] = [
    [
      headless('claude', ['claude', '-p', '--', 'x']),
      'abc',
      ['claude', '-p', '--output-format', 'stream-json', '--verbose', '--resume', 'abc', '--', prompt],
    ],
    [
      headless('codex', ['codex', 'exec', '-s', 'workspace-write', '--', 'x']),
      'id1',
      ['codex', 'exec', 'resume', '--json', '-c', 'sandbox_mode="workspace-write"', 'id1', prompt],
    ],
    [headless('gemini', ['gemini', '--prompt=x']), 'g1', ['gemini', '--resume', 'g1', `--prompt=${prompt}`]],
    [headless('copilot', ['copilot', '-p', 'x']), 'c1', ['copilot', '--resume', 'c1', '-p', prompt]],
    // No session id (or no headless resume in the CLI): never the interactive `--continue`, the same
    // headless launch again.
    [headless('claude', ['claude', '-p', '--', 'x']), null, ['claude', '-p', '--', 'x']],
    [
      headless('codex', ['codex', 'exec', '-s', 'workspace-write', '--', 'x']),
      null,
      ['codex', 'exec', '-s', 'workspace-write', '--', 'x'],
    ],
    [headless('aider', ['aider', '--message', 'x']), null, ['aider', '--message', 'x']],
    [
      headless('opencode', ['opencode', 'run', '--', 'x']),
      's1',
      ['opencode', 'run', '--session', 's1', '--', prompt],
    ],
    [headless('opencode', ['opencode', 'run', '--', 'x']), null, ['opencode', 'run', '--', 'x']],
  ];
  for (const [s, id, expected] of cases) {
    const { argv, how } = resumeArgv(s, id, [], runDir);
    assert.deepEqual(
      argv.filter((a) => !a.startsWith('--settings')),
      expected,
      `${s.agent} ${id}`,
    );
    assert.match(how, /headless/);
  }
});
