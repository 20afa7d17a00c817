// The hook sink as a real process (JSON on stdin, argv for codex), the Claude settings command run
// through `sh -c` as Claude runs it, and the tailing reader. Run dirs contain a space and a quote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  appendFileSync,
  existsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HOOK_SINK,
  codexNotifyArg,
  geminiTelemetryIsUsers,
  prepareHooks,
  readHookEvents,
  shQuote,
} from './hooks.js';
import { toHookEvent } from './hookSink.js';

function runDir(): { dir: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'hooks-'));
  const dir = join(root, "run dir 'quoted' $HOME `x`");
  return { dir, done: () => rmSync(root, { recursive: true, force: true }) };
}
const lines = (dir: string) =>
  readFileSync(join(dir, 'hooks', 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('shQuote survives sh', () => {
  for (const s of ["it's", 'a b', '$(id)', '`x`', "''", '\\n']) {
    assert.equal(execFileSync('sh', ['-c', `printf %s ${shQuote(s)}`], { encoding: 'utf8' }), s);
  }
});

test('sink: claude JSON on stdin becomes one small line, transcript dropped', () => {
  const { dir, done } = runDir();
  try {
    const payload = {
      hook_event_name: 'Notification',
      session_id: '05ec42ab-253a-4832-bcb0-e2c19f6ee33c',
      transcript_path: '/home/u/.claude/projects/x.jsonl',
      notification_type: 'permission_prompt',
      message: 'Claude needs your permission to use Bash' + 'x'.repeat(5000),
    };
    const r = spawnSync(process.execPath, [HOOK_SINK, dir, 'claude'], {
      input: JSON.stringify(payload),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const [ev] = lines(dir);
    assert.equal(ev!.event, 'Notification');
    assert.equal(ev!.vendor, 'claude');
    assert.equal(ev!.sessionId, payload.session_id);
    assert.equal(ev!.notificationType, 'permission_prompt');
    assert.equal(ev!.transcript_path, undefined);
    assert.ok(JSON.stringify(ev).length < 1024);
  } finally {
    done();
  }
});

test('sink: bad JSON, empty stdin and a missing run dir argument all exit 0', () => {
  const { dir, done } = runDir();
  try {
    for (const input of ['{not json', '', '[1,2]']) {
      const r = spawnSync(process.execPath, [HOOK_SINK, dir, 'gemini'], { input, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    assert.deepEqual(
      lines(dir).map((e) => [e.event, e.bad]),
      [
        ['unknown', true],
        ['unknown', true],
        ['unknown', true],
      ],
    );
    assert.equal(spawnSync(process.execPath, [HOOK_SINK], { input: '{}' }).status, 0);
    // An unwritable place (a file where the run dir should be) is swallowed too.
    assert.equal(
      spawnSync(process.execPath, [HOOK_SINK, '/dev/null/x', 'claude'], { input: '{}' }).status,
      0,
    );
  } finally {
    done();
  }
});

test('claude settings: parses, and its command run through sh -c reaches the sink', async () => {
  const { dir, done } = runDir();
  try {
    const h = await prepareHooks('claude', dir, { env: {} });
    // its debug log, errors only, in the run dir (vendorLogs.ts)
    assert.deepEqual(h.args, [
      '--settings',
      h.settingsFile,
      '--debug-file',
      join(dir, 'hooks', 'claude-debug.log'),
    ]);
    assert.deepEqual(h.env, { CLAUDE_CODE_DEBUG_LOG_LEVEL: 'error' });
    // a user who debugs claude keeps their own log and level
    for (const env of [{ DEBUG: '1' }, { DEBUG_SDK: 'true' }, { CLAUDE_CODE_DEBUG_LOGS_DIR: '/x/y.txt' }]) {
      const own = await prepareHooks('claude', dir, { env });
      assert.deepEqual(own.args, ['--settings', own.settingsFile], JSON.stringify(env));
      assert.deepEqual(own.env, {}, JSON.stringify(env));
    }
    // the debug module's DEBUG=<namespaces> is not claude's switch
    assert.equal((await prepareHooks('claude', dir, { env: { DEBUG: 'express:*' } })).args.length, 4);
    const settings = JSON.parse(readFileSync(h.settingsFile!, 'utf8')) as {
      hooks: Record<string, { matcher?: string; hooks: { type: string; command: string }[] }[]>;
    };
    for (const e of [
      'Notification',
      'Stop',
      'SubagentStop',
      'UserPromptSubmit',
      'SessionStart',
      'SessionEnd',
      'StopFailure',
    ]) {
      assert.ok(settings.hooks[e], e);
    }
    const command = settings.hooks.Stop![0]!.hooks[0]!.command;
    const r = spawnSync('sh', ['-c', command], {
      input: JSON.stringify({ hook_event_name: 'Stop', session_id: 's1' }),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      lines(dir).map((e) => [e.event, e.sessionId]),
      [['Stop', 's1']],
    );
  } finally {
    done();
  }
});

test('codex notify: TOML array argv, payload as the last argument', async () => {
  const { dir, done } = runDir();
  try {
    const h = await prepareHooks('codex', dir);
    assert.equal(h.args[0], '-c');
    assert.equal(h.args[1], codexNotifyArg(dir));
    // Parse the TOML array of basic strings back (they are JSON strings) and run it as codex would.
    const argv = JSON.parse(h.args[1]!.slice('notify='.length)) as string[];
    assert.equal(argv[2], dir);
    const payload = JSON.stringify({
      type: 'agent-turn-complete',
      'thread-id': 't-1',
      'last-assistant-message': 'done',
    });
    const r = spawnSync(argv[0]!, [...argv.slice(1), payload], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      lines(dir).map((e) => [e.event, e.sessionId, e.message]),
      [['agent-turn-complete', 't-1', 'done']],
    );
  } finally {
    done();
  }
});

test('gemini: a system-defaults settings file and a telemetry file named by env, nothing in argv', async () => {
  const { dir, done } = runDir();
  const home = join(dir, 'home');
  try {
    const h = await prepareHooks('gemini', dir, { env: { HOME: home } });
    assert.deepEqual(h.args, []);
    assert.equal(h.env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH, h.settingsFile);
    const s = JSON.parse(readFileSync(h.settingsFile!, 'utf8')) as { hooks: Record<string, unknown> };
    assert.ok(s.hooks.AfterAgent && s.hooks.Notification);
    // telemetry to a file in the run dir only, without prompts
    assert.equal(h.env.GEMINI_TELEMETRY_OUTFILE, join(dir, 'hooks', 'gemini-telemetry.log'));
    assert.equal(h.env.GEMINI_TELEMETRY_TARGET, 'local');
    assert.equal(h.env.GEMINI_TELEMETRY_LOG_PROMPTS, 'false');

    // The user's own telemetry stays theirs: set in their environment, or enabled in their settings.
    const theirs = await prepareHooks('gemini', dir, { env: { HOME: home, GEMINI_TELEMETRY_TARGET: 'gcp' } });
    assert.equal(theirs.env.GEMINI_TELEMETRY_OUTFILE, undefined);
    mkdirSync(join(home, '.gemini'), { recursive: true });
    writeFileSync(join(home, '.gemini', 'settings.json'), '{"telemetry": {"enabled": false}}');
    assert.ok((await prepareHooks('gemini', dir, { env: { HOME: home } })).env.GEMINI_TELEMETRY_OUTFILE);
    writeFileSync(
      join(home, '.gemini', 'settings.json'),
      '{"telemetry": {"enabled": true, "target": "gcp"}}',
    );
    assert.equal(
      (await prepareHooks('gemini', dir, { env: { HOME: home } })).env.GEMINI_TELEMETRY_OUTFILE,
      undefined,
    );
    writeFileSync(join(home, '.gemini', 'settings.json'), '{"telemetry": {"enabled": true,}} // typo');
    assert.equal(
      (await prepareHooks('gemini', dir, { env: { HOME: home } })).env.GEMINI_TELEMETRY_OUTFILE,
      undefined,
    );
    assert.equal(geminiTelemetryIsUsers({ HOME: join(dir, 'nobody') }), false);
  } finally {
    done();
  }
});

test('copilot: its log goes into the run dir (--log-dir), nothing else changes', async () => {
  const { dir, done } = runDir();
  try {
    const h = await prepareHooks('copilot', dir);
    assert.deepEqual(h, { args: ['--log-dir', join(dir, 'hooks', 'copilot-logs')], env: {} });
    assert.ok(existsSync(join(dir, 'hooks', 'copilot-logs')));
  } finally {
    done();
  }
});

test('readHookEvents tails complete lines only and skips torn ones', async () => {
  const { dir, done } = runDir();
  try {
    assert.deepEqual(await readHookEvents(dir), { events: [], nextOffset: 0 });
    spawnSync(process.execPath, [HOOK_SINK, dir, 'claude'], { input: '{"hook_event_name":"Stop"}' });
    const first = await readHookEvents(dir);
    assert.deepEqual(
      first.events.map((e) => e.event),
      ['Stop'],
    );
    const file = join(dir, 'hooks', 'events.jsonl');
    appendFileSync(file, '{"torn\n{"at":"x","vendor":"claude","event":"UserPromptSubmit"}\n{"at":"y","ven');
    const second = await readHookEvents(dir, first.nextOffset);
    assert.deepEqual(
      second.events.map((e) => e.event),
      ['UserPromptSubmit'],
    );
    assert.deepEqual((await readHookEvents(dir, second.nextOffset)).events, []);
    assert.ok(existsSync(file));
  } finally {
    done();
  }
});

test('toHookEvent keeps the StopFailure error kind', () => {
  const ev = toHookEvent(
    'claude',
    JSON.stringify({ hook_event_name: 'StopFailure', error: 'rate_limit' }),
    new Date(0),
  );
  assert.deepEqual(ev, {
    at: '1970-01-01T00:00:00.000Z',
    vendor: 'claude',
    event: 'StopFailure',
    error: 'rate_limit',
  });
});
