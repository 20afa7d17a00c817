// The opencode plugin as opencode loads it: prepareHooks writes it, the config it names is what
// OPENCODE_CONFIG_CONTENT carries, and its event handler (fed opencode bus events as 1.18.33 sends
// them) leaves lines in events.jsonl that detect() reads as the state they mean. The run dir has a
// space and a quote. The live check is the conformance suite (opencode/headless-* captures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareHooks, readHookEvents } from './hooks.js';
import { builtinPatterns } from './patterns.js';
import { detect } from '../detect/index.js';

type Handler = { event: (i: { event: unknown }) => Promise<void> };

async function withPlugin(fn: (h: Handler, runDir: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ocplugin-'));
  const runDir = join(root, "run 'dir'");
  try {
    // Only where opencode already has @opencode-ai/plugin: a config dir of this test's own.
    const config0 = join(root, 'config');
    const absent = await prepareHooks('opencode', runDir, { env: { XDG_CONFIG_HOME: config0 } });
    assert.deepEqual(absent, { args: [], env: {} }, 'no plugin while opencode would fetch its package first');
    const pkg = join(config0, 'opencode', 'node_modules', '@opencode-ai', 'plugin');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"@opencode-ai/plugin"}');
    const hooks = await prepareHooks('opencode', runDir, { env: { XDG_CONFIG_HOME: config0 } });
    assert.deepEqual(hooks.args, []);
    const config = JSON.parse(hooks.env.OPENCODE_CONFIG_CONTENT!) as { plugin: string[] };
    assert.deepEqual(config.plugin, [pathToFileURL(hooks.settingsFile!).href]);
    const mod = (await import(config.plugin[0]!)) as Record<string, () => Promise<Handler>>;
    await fn(await mod.WorkcellHookSink!(), runDir);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const retry = (message: string, next = Date.parse('2026-01-02T03:04:05Z')) => ({
  type: 'session.status',
  properties: { sessionID: 'ses_1', status: { type: 'retry', attempt: 1, message, next } },
});

async function stateAfter(runDir: string) {
  const { events } = await readHookEvents(runDir);
  const d = detect({
    agent: 'opencode',
    screen: '> build · mock-model',
    hookEvents: events,
    now: new Date('2026-01-02T03:00:00Z'),
    timeZone: 'UTC',
    patterns: builtinPatterns('opencode'),
  });
  return { events, d };
}

test('opencode plugin: a retry after a 429 is a throttle, with the retry time', async () => {
  await withPlugin(async (h, runDir) => {
    await h.event({
      event: { type: 'session.status', properties: { sessionID: 'ses_1', status: { type: 'busy' } } },
    });
    await h.event({ event: retry('Too Many Requests') });
    const { events, d } = await stateAfter(runDir);
    assert.equal(events.length, 1, 'busy is not recorded, the retry is');
    assert.equal(events[0]!.sessionId, 'ses_1');
    assert.equal(d?.state, 'rate_limited');
    assert.equal(d?.reason, 'throttled');
    assert.equal(d?.resetAt, '2026-01-02T03:04:05.000Z');
  });
});

test('opencode plugin: retries for a 5xx and a refused connection, a usage limit, a session error', async () => {
  const cases: [unknown, string, string | undefined][] = [
    [retry('Internal server error'), 'idle', 'api_error'],
    [retry('Cannot connect to API: ECONNREFUSED'), 'idle', 'network'],
    [retry('The usage limit has been reached'), 'rate_limited', undefined],
    [
      {
        type: 'session.error',
        properties: {
          sessionID: 'ses_1',
          error: { name: 'APIError', data: { message: 'Unauthorized: invalid api key' } },
        },
      },
      'auth_failed',
      undefined,
    ],
  ];
  for (const [event, state, reason] of cases)
    await withPlugin(async (h, runDir) => {
      await h.event({ event });
      const { d } = await stateAfter(runDir);
      assert.equal(d?.state, state, JSON.stringify(event));
      assert.equal(d?.reason, reason, JSON.stringify(event));
    });
});

test('opencode plugin: output after a retry is work again; one line per stretch of output; idle and permission', async () => {
  await withPlugin(async (h, runDir) => {
    await h.event({ event: retry('Internal server error') });
    for (let i = 0; i < 5; i++)
      await h.event({
        event: { type: 'message.part.updated', properties: { part: { sessionID: 'ses_1' } } },
      });
    const first = await stateAfter(runDir);
    assert.equal(first.events.length, 2);
    assert.equal(first.d?.state, 'running');
    let d;
    await h.event({ event: { type: 'permission.asked', properties: { sessionID: 'ses_1', id: 'per_1' } } });
    ({ d } = await stateAfter(runDir));
    assert.equal(d?.state, 'waiting');
    await h.event({ event: { type: 'session.idle', properties: { sessionID: 'ses_1' } } });
    ({ d } = await stateAfter(runDir));
    assert.equal(d?.state, 'idle');
    assert.equal(d?.reason, undefined);
    // a malformed event never throws into opencode
    await h.event({ event: null });
  });
});
