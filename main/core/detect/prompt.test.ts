// The question and the quick answers read from captured real screens (the detector's fixtures) and a
// few synthetic ones: no box border is ever a question line, and the offered keys are the agent's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPrompt } from '../../common/prompt.js';

const FIX = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'main',
  'core',
  'detect',
  'fixtures',
);
const screen = (p: string) => readFileSync(join(FIX, p), 'utf8');
const keys = (s: string) => readPrompt(s).choices.map((c) => c.key);

test('readPrompt: Claude permission dialog', () => {
  const p = readPrompt(screen('claude/synthetic-permission.txt'));
  assert.deepEqual(
    p.choices.map((c) => [c.key, c.label]),
    [
      ['1', 'Yes'],
      ['2', 'Yes, and don’t ask again for rm commands in /home/dev/project'],
      ['3', 'No, and tell Claude what to do differently (esc)'],
      ['Esc', 'Esc'],
    ],
  );
  assert.deepEqual(p.question, [
    'Bash command',
    'rm -rf build && npm run build',
    'Remove the build directory and rebuild',
    'Do you want to proceed?',
  ]);
});

test('readPrompt: Codex approval, Claude trust and API-key prompts', () => {
  assert.deepEqual(keys(screen('codex/synthetic-approval.txt')), ['1', '2', '3', 'Enter', 'Esc']);
  assert.equal(
    readPrompt(screen('codex/synthetic-approval.txt')).question.at(-1),
    '$ npm run migrate -- --dry-run',
  );
  assert.deepEqual(keys(screen('claude/trust-folder.txt')), ['1', '2', 'Enter', 'Esc']);
  const api = readPrompt(screen('claude/api-key-confirm.txt'));
  assert.deepEqual(
    api.choices.map((c) => c.label),
    ['Yes', 'No (recommended)', 'Enter (confirm)', 'Esc (cancel)'],
  );
  assert.equal(api.question.at(-1), 'Do you want to use this API key?');
});

test('readPrompt: boxed dialogs lose their frame; y/n prompts; plain screens give no choices', () => {
  const boxed = [
    '╭──────────────────────────────────────────╮',
    '│ Do you want to make this edit to foo.ts? │',
    '│ ❯ 1. Yes                                 │',
    '│   2. No                                  │',
    '╰──────────────────────────────────────────╯',
  ].join('\n');
  const b = readPrompt(boxed);
  assert.deepEqual(b.question, ['Do you want to make this edit to foo.ts?']);
  assert.deepEqual(keys(boxed), ['1', '2']);
  const yn = readPrompt('Running tests...\nOverwrite config.json? (y/N) ');
  assert.deepEqual(
    yn.choices.map((c) => c.key),
    ['y', 'n'],
  );
  assert.deepEqual(yn.question, ['Running tests...', 'Overwrite config.json? (y/N)']);
  const plain = readPrompt('\x1b[1mbuilding\x1b[0m\n────────\n\nstep 3 of 9\n');
  assert.deepEqual(plain, { question: ['building', 'step 3 of 9'], choices: [] });
  // Older options higher up are history: only the lowest block counts.
  assert.deepEqual(keys('1. old\n2. old\nsome output\nPick one:\n1. a\n2. b\n3. c'), ['1', '2', '3']);
});
