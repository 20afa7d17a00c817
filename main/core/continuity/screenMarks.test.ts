import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADAPTERS } from '../agents/adapters.js';
import { markOnScreen, promptOf, screenMarks } from './screenMarks.js';

const P = '# Workcell w\n\n## Objective\nMake   the parser\tstrict\n- a';

test('promptOf finds the prompt in every adapter shape, and none in a resume argv', () => {
  for (const agent of ['claude', 'codex', 'gemini', 'copilot', 'opencode', 'cursor'] as const)
    for (const headless of [false, true]) {
      const argv = ADAPTERS[agent].launch(P, ['--model', 'm'], { runDir: '/r', sessionId: 'S', headless });
      if (agent === 'cursor' && !headless) continue; // a bare last word: no flag says it is the prompt
      assert.equal(promptOf(argv), P, `${agent} ${headless}`);
    }
  for (const agent of ['claude', 'codex', 'gemini', 'copilot', 'opencode'] as const)
    assert.equal(promptOf(ADAPTERS[agent].resume!('S', ['--model', 'm'])), null, agent);
});

test('screenMarks: up to three lines of words, collapsed and cut; markOnScreen matches across spacing', () => {
  assert.deepEqual(screenMarks(P), ['# Workcell w', '## Objective', 'Make the parser strict']);
  assert.deepEqual(screenMarks('short\n----------------\n'), []);
  assert.equal(screenMarks('x'.repeat(5) + 'y'.repeat(40))[0]!.length, 32);
  assert.deepEqual(screenMarks(null), []);
  const marks = screenMarks(P);
  assert.equal(markOnScreen('│ >  Make the   parser strict  │\n', marks), 'Make the parser strict');
  assert.equal(markOnScreen('Welcome to the CLI\n> _', marks), null);
  assert.equal(markOnScreen('anything', []), null);
});
