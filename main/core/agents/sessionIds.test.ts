import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSessionId, sessionIdFromHooks } from './sessionIds.js';
import { ADAPTERS } from './adapters.js';

test('ids chosen up front only where the CLI accepts --session-id', () => {
  assert.match(newSessionId('claude')!, /^[0-9a-f-]{36}$/);
  assert.equal(newSessionId('codex'), undefined);
  const id = newSessionId('gemini')!;
  assert.deepEqual(ADAPTERS.gemini.launch('-fix it', [], { runDir: '/r', sessionId: id }), [
    'gemini',
    '--session-id',
    id,
    '--prompt-interactive=-fix it',
  ]);
});

test('adapters put hook args before the user args', () => {
  const ctx = { runDir: '/r', hookArgs: ['-c', 'notify=["n"]'] };
  assert.deepEqual(ADAPTERS.codex.launch('task', ['--model', 'x'], ctx), [
    'codex',
    '-c',
    'notify=["n"]',
    '--model',
    'x',
    '--',
    'task',
  ]);
  assert.deepEqual(ADAPTERS.codex.resume!('abc', [], ctx), ['codex', 'resume', '-c', 'notify=["n"]', 'abc']);
  assert.deepEqual(
    ADAPTERS.claude.launch('t', [], { runDir: '/r', settingsFile: '/s.json', sessionId: 'u' }),
    ['claude', '--settings', '/s.json', '--session-id', 'u', '--', 't'],
  );
});

test('session id from the newest hook event that has one', () => {
  const at = '2026-01-01T00:00:00Z';
  assert.equal(
    sessionIdFromHooks([
      { at, vendor: 'claude', event: 'SessionStart', sessionId: 'a' },
      { at, vendor: 'claude', event: 'Stop', sessionId: 'b' },
      { at, vendor: 'claude', event: 'unknown' },
    ]),
    'b',
  );
  assert.equal(sessionIdFromHooks([]), null);
});
