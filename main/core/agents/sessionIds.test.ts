import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSessionId, newSessionId, sessionIdFromHooks } from './sessionIds.js';
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

test('on disk: claude project dir and codex rollout session_meta', async () => {
  const home = mkdtempSync(join(tmpdir(), 'sid-'));
  try {
    const cwd = '/work/my.repo';
    const since = new Date(Date.now() - 60_000);
    const proj = join(home, '.claude', 'projects', '-work-my-repo');
    mkdirSync(proj, { recursive: true });
    writeFileSync(join(proj, '0281626a-b4c4-4688-bc49-b8001f8518bf.jsonl'), '{}\n');
    assert.equal(await findSessionId('claude', { cwd, since, home }), '0281626a-b4c4-4688-bc49-b8001f8518bf');

    const d = new Date();
    const day = join(
      home,
      '.codex',
      'sessions',
      String(d.getFullYear()),
      String(d.getMonth() + 1).padStart(2, '0'),
      String(d.getDate()).padStart(2, '0'),
    );
    mkdirSync(day, { recursive: true });
    writeFileSync(
      join(day, 'rollout-1-other.jsonl'),
      `${JSON.stringify({ type: 'session_meta', payload: { id: 'other', cwd: '/elsewhere' } })}\n`,
    );
    writeFileSync(
      join(day, 'rollout-2-mine.jsonl'),
      `${JSON.stringify({ type: 'session_meta', payload: { id: 'mine', cwd } })}\n`,
    );
    assert.equal(await findSessionId('codex', { cwd, since, home }), 'mine');
    assert.equal(await findSessionId('codex', { cwd, since: new Date(Date.now() + 3_600_000), home }), null);
    assert.equal(await findSessionId('opencode', { cwd, since, home }), null);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
