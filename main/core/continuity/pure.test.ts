// Table tests for the pure parts of continuity: SUPERVISOR.md, globs, session following, the journal
// line (date from an injected clock, in UTC), model flags, selected environment, next steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globMatch, parseRules } from './repoRules.js';
import { appendJournal, journalLine, journalPath, quitReminder } from './journal.js';
import type { WorkcellSummary } from '../../common/workcell.js';
import { followSession, mintedRecord } from '../agents/sessionIds.js';
import { claudeProjectDir, rolloutId } from '../agents/sessionStore.js';
import { CLAUDE_HEADLESS } from '../agents/adapters.js';
import { modelArgs, resumeArgv } from '../resume.js';
import { testStatus } from '../testing/status.js';
import { nextStepsOf, selectEnv } from './checkpoint.js';
import { ControlDir } from '../paths.js';
import type { HookEvent } from '../agents/hookSink.js';
import type { WorkcellStatus } from '../../common/workcell.js';

test('SUPERVISOR.md sections parse; bad content names the line', () => {
  const good = parseRules(
    '# Repo\n\n## Test\n```sh\nnpm ci\nnpm test\n```\n\n## Forbidden paths\n- `db/migrations/`\n- **/*.pem\n\n## Rules\n- No deploys.\n  Ever.\n\n## Recovery\nauto\n\n## Setup\n- npm ci\n',
  );
  assert.ok(good.ok);
  assert.deepEqual(good.value, {
    test: 'npm ci\nnpm test',
    forbidden: ['db/migrations/', '**/*.pem'],
    rules: ['No deploys. Ever.'],
    recovery: 'auto',
    setup: ['npm ci'],
  });
  const cases: [string, RegExp][] = [
    ['## Testing\nx\n', /line 1: unknown section "Testing"/],
    ['hello\n## Test\nx\n', /line 1: text before the first section/],
    ['## Recovery\nmaybe\n', /line 2: Recovery is auto, suggest or off, not "maybe"/],
    ['## Forbidden paths\nsecrets\n', /line 2: Forbidden paths is a list/],
    ['## Forbidden paths\n- /etc/passwd\n', /line 2: forbidden path "\/etc\/passwd" must be relative/],
    ['## Forbidden paths\n- ../x\n', /line 2: .*must be relative/],
    ['## Test\na\nb\n', /line 3: Test holds one command/],
    ['## Test\n```\nnpm test\n', /line 4: a ``` block is not closed/],
    ['## Rules\n```\nx\n```\n', /line 2: a code block is allowed under Test or Setup only/],
  ];
  for (const [text, re] of cases) {
    const r = parseRules(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.error.message, /^SUPERVISOR\.md line \d+: /);
    if (!r.ok) assert.match(r.error.message, re, text);
  }
});

test('forbidden globs', () => {
  const cases: [string, string, boolean][] = [
    ['secrets/', 'secrets/key.txt', true],
    ['secrets', 'secrets', true],
    ['secrets', 'secretsx/a', false],
    ['*.lock', 'yarn.lock', true],
    ['*.lock', 'sub/yarn.lock', false],
    ['**/*.lock', 'sub/deep/yarn.lock', true],
    ['**/*.lock', 'yarn.lock', true],
    ['db/**', 'db/a/b.sql', true],
    ['db/*.sql', 'db/a.sql', true],
    ['a.b', 'axb', false],
  ];
  for (const [p, f, want] of cases) assert.equal(globMatch(p, f), want, `${p} ~ ${f}`);
});

test('the session record follows switches, ignores late events of the old id and events older than itself', () => {
  const ev = (at: string, event: string, sessionId: string, startSource?: string): HookEvent => ({
    at,
    vendor: 'claude',
    event,
    sessionId,
    ...(startSource ? { startSource } : {}),
  });
  const minted = mintedRecord('A', '2026-01-01T00:00:00.000Z');
  const r = followSession(minted, [
    ev('2026-01-01T00:00:01.000Z', 'SessionStart', 'A', 'startup'),
    ev('2026-01-01T00:00:02.000Z', 'SessionEnd', 'A'),
    ev('2026-01-01T00:00:03.000Z', 'SessionStart', 'B', 'clear'),
    ev('2026-01-01T00:00:04.000Z', 'Stop', 'A'),
  ]);
  assert.deepEqual(r, {
    id: 'B',
    how: 'switched',
    at: '2026-01-01T00:00:03.000Z',
    source: 'clear',
    previous: ['A'],
  });
  // Re-reading the whole hook file changes nothing (the A events are older than the record).
  assert.equal(followSession(r, [ev('2026-01-01T00:00:01.000Z', 'SessionStart', 'A', 'startup')]), r);
  // No id yet (codex): the first one seen is captured.
  const cap = followSession(mintedRecord(undefined, '2026-01-01T00:00:00.000Z'), [
    ev('2026-01-01T00:00:05.000Z', 'agent-turn-complete', 'T'),
  ]);
  assert.deepEqual([cap.id, cap.how], ['T', 'captured']);
});

test('journal: the UTC day of the injected clock, one copy-pasteable line per event', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wc-journal-'));
  try {
    const dir = new ControlDir(root);
    // 23:30 UTC on Nov 30 is Dec 1 in UTC+1: the file is the UTC day whatever the TZ.
    const now = new Date('2026-11-30T23:30:00Z');
    assert.equal(journalPath(dir, now), join(root, 'journal', '2026-11-30.md'));
    const e = {
      kind: 'start',
      name: 'fix',
      repo: "/src/it's",
      agent: 'claude',
      state: 'running',
      argv: ['claude', '--', 'fix it'],
    };
    assert.equal(
      journalLine(e, now),
      "- 23:30Z start **fix** claude in /src/it's, running; resume: `workcell resume fix`; same command: `cd '/src/it'\\''s' && 'claude' '--' 'fix it'`\n",
    );
    await appendJournal(dir, e, { now });
    await appendJournal(dir, { ...e, kind: 'end', state: 'done' }, { now, notesDir: join(root, 'notes') });
    const text = readFileSync(journalPath(dir, now), 'utf8');
    assert.match(
      text,
      /^# Workcells 2026-11-30 \(UTC\)\n\n## Active long-running work\n\n- 23:30Z start[^\n]*\n- 23:30Z end \*\*fix\*\*/,
    );
    assert.match(readFileSync(join(root, 'notes', '2026-11-30-workcells.md'), 'utf8'), /end \*\*fix\*\*/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('model flags are passed again; env selection keeps secret values out; next steps', () => {
  assert.deepEqual(modelArgs(['claude', '--settings', 's', '--model', 'opus', '--', 'x']), [
    '--model',
    'opus',
  ]);
  assert.deepEqual(modelArgs(['gemini', '-m', 'pro', '--prompt=x']), ['--model', 'pro']);
  assert.deepEqual(modelArgs(['codex', '--model=o3', '--', 'x']), ['--model=o3']);
  assert.deepEqual(modelArgs(['claude', '--', '--model', 'x']), []);
  const env = selectEnv('PATH=/bin\0ANTHROPIC_API_KEY=sk-secret\0GITHUB_TOKEN=ghp\0FOO=bar\0HOME=/h\0');
  assert.deepEqual(env, {
    values: { PATH: '/bin', HOME: '/h' },
    secretNames: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'],
  });
  assert.ok(!JSON.stringify(env).includes('sk-secret'));
  assert.deepEqual(nextStepsOf({ nextSteps: ['a', 'b'] }, ''), ['a', 'b']);
  assert.deepEqual(nextStepsOf(null, '# H\n## What is left\n- tests\n- docs\n## How to resume\nx'), [
    'tests',
    'docs',
  ]);
  assert.deepEqual(nextStepsOf(null, '## What is left\n(The agent recorded no next steps.)\n'), []);
  assert.equal(claudeProjectDir('/home/u/my.repo'), '-home-u-my-repo');
  assert.equal(
    rolloutId('/x/rollout-2026-11-30T10-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl'),
    '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  );
});

test('a headless resume passes the model again right after the id, never inside -p PROMPT', () => {
  const cases: [WorkcellStatus['agent'], string[], string[]][] = [
    [
      'copilot',
      ['copilot', '--session-id', 'x', '--model', 'gpt-5', '-p', 't'],
      ['copilot', '--resume', 'ID', '--model', 'gpt-5', '-p'],
    ],
    [
      'claude',
      ['claude', '-p', '--model', 'opus', '--', 't'],
      ['claude', ...CLAUDE_HEADLESS, '--resume', 'ID', '--model', 'opus', '--'],
    ],
    ['gemini', ['gemini', '-m', 'pro', '--prompt=t'], ['gemini', '--resume', 'ID', '--model', 'pro']],
  ];
  for (const [agent, argv, head] of cases) {
    const r = resumeArgv(testStatus({ agent, argv, headless: true }), 'ID', [], '/run');
    assert.deepEqual(r.argv.slice(0, head.length), head, agent);
  }
});

test('quitting the app with live workcells: a reminder names them (five, then a count) and the journal', () => {
  const dir = new ControlDir('/home/u/.workcells');
  const w = (name: string, state: WorkcellSummary['state']) =>
    ({ name, agent: 'claude', state }) as WorkcellSummary;
  const now = new Date(Date.UTC(2031, 0, 2, 23, 30));
  assert.equal(quitReminder(dir, [w('a', 'done'), w('b', 'failed')], now), null);
  const r = quitReminder(
    dir,
    [w('ended', 'done'), ...['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7'].map((n) => w(n, 'running'))],
    now,
  )!;
  assert.equal(r.title, '7 workcells still running');
  assert.match(r.body, /^l1 \(claude, running\), .*l5 \(claude, running\), and 2 more keep running/);
  assert.doesNotMatch(r.body, /ended|l6/);
  assert.match(r.body, /Listed in \/home\/u\/\.workcells\/journal\/2031-01-02\.md/);
  assert.equal(quitReminder(dir, [w('solo', 'waiting')], now)!.title, '1 workcell still running');
});
