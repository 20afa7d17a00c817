import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlDir } from '../paths.js';
import { parseSettings } from '../settings.js';
import { waitFor } from '../testing/fixture.js';
import { NotificationDispatcher, type DispatcherOptions } from './dispatcher.js';
import { startServer, type TestServer } from './testing/httpServer.js';
import type { NotifyEvent, StateChange } from '../../common/notify.js';
import type { Settings } from '../../common/settings.js';
import type { WorkcellEvent } from '../../common/workcell.js';

// Compile-time check: the supervisor's events.jsonl appender (typed for any WorkcellEvent) fits.
const _fits: DispatcherOptions['appendEvent'] = (_name: string, _event: WorkcellEvent) => {};
void _fits;

const roots: string[] = [];
const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function home(): ControlDir {
  const root = mkdtempSync(join(tmpdir(), 'wc-notify-'));
  roots.push(root);
  return new ControlDir(root);
}
async function server(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}
function settings(raw: unknown): Settings {
  const r = parseSettings(raw);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

const FAST = { attempts: 3, firstDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 };

function make(dir: ControlDir, s: Settings, extra: Partial<DispatcherOptions> = {}) {
  const events: Array<{ name: string; event: NotifyEvent }> = [];
  const logs: string[] = [];
  const d = new NotificationDispatcher({
    dir,
    settings: s,
    appendEvent: (name, event) => events.push({ name, event }),
    retry: FAST,
    log: (l) => logs.push(l),
    ...extra,
  });
  return { d, events, logs };
}

let seq = 0;
function change(patch: Partial<StateChange> = {}): StateChange {
  seq++;
  return {
    id: `fix-login:1:${seq}:failed`,
    name: 'fix-login',
    state: 'failed',
    from: 'running',
    at: new Date().toISOString(),
    exitCode: 2,
    evidence: { source: 'exit', detail: 'exit 2', at: new Date().toISOString() },
    excerpt: 'npm ERR! test failed',
    runDir: '/h/runs/fix-login',
    ...patch,
  };
}

test('slack, telegram and webhook receive the exact body at the exact path; no secret in events', async () => {
  const srv = await server();
  const dir = home();
  writeFileSync(join(dir.root, 'tg-token'), '123456:SECRET-TOKEN\n');
  const s = settings({
    notifiers: [
      { type: 'slack', url: `${srv.url}/services/T0/B0/SLACKSECRET` },
      { type: 'telegram', token: { file: 'tg-token' }, chatId: -1001, apiBase: `${srv.url}/tg/` },
      { type: 'webhook', url: { env: 'HOOK_URL' }, headers: { Authorization: 'Bearer HDRSECRET' } },
    ],
  });
  const { d, events } = make(dir, s, { env: { HOOK_URL: `${srv.url}/hook?k=HOOKSECRET` } });
  const c = change();
  await d.notify(c);
  await d.flush();

  const byPath = Object.fromEntries(srv.received.map((r) => [r.path, r]));
  const body =
    'Why: exit 2\nLast output:\nnpm ERR! test failed\nRead it: workcell peek fix-login · continue it: workcell resume fix-login';
  const text = `fix-login failed (exit code 2)\n${body}`;
  assert.deepEqual(byPath['/services/T0/B0/SLACKSECRET']?.json, {
    text: `*fix-login failed (exit code 2)*\n${body}`,
  });
  assert.deepEqual(byPath['/tg/bot123456:SECRET-TOKEN/sendMessage']?.json, {
    chat_id: '-1001',
    text,
    disable_web_page_preview: true,
  });
  const hook = byPath['/hook?k=HOOKSECRET'];
  assert.equal(hook?.headers.authorization, 'Bearer HDRSECRET');
  assert.equal(hook?.headers['content-type'], 'application/json');
  const posted = hook?.json as Record<string, unknown>;
  assert.equal(posted.changeId, c.id);
  assert.equal(posted.text, text);
  assert.equal(posted.state, 'failed');
  assert.equal(posted.urgency, 'critical');
  assert.equal(srv.received.length, 3);
  assert.ok(srv.received.every((r) => r.method === 'POST'));

  assert.deepEqual(events.map((e) => [e.name, e.event.type, e.event.notifier, e.event.attempts]).sort(), [
    ['fix-login', 'notified', 'slack', 1],
    ['fix-login', 'notified', 'telegram', 1],
    ['fix-login', 'notified', 'webhook', 1],
  ]);
  const ledger = readFileSync(join(dir.state, 'notified.json'), 'utf8');
  for (const secret of ['SLACKSECRET', 'SECRET-TOKEN', 'HOOKSECRET', 'HDRSECRET']) {
    assert.ok(!JSON.stringify(events).includes(secret), `${secret} in events`);
    assert.ok(!ledger.includes(secret), `${secret} in ledger`);
  }
});

test('500 twice then 200: delivered on the third try, recorded once', async () => {
  const srv = await server((_r, i) => (i < 2 ? 500 : 200));
  const { d, events } = make(home(), settings({ notifiers: [{ type: 'slack', url: `${srv.url}/s` }] }));
  await d.notify(change());
  await d.flush();
  assert.equal(srv.received.length, 3);
  assert.deepEqual(
    events.map((e) => [e.event.type, e.event.attempts]),
    [['notified', 3]],
  );
});

test('retries give up after N tries; a 4xx is not retried; errors are redacted', async () => {
  // The server echoes the request path (which holds the token) in its error body.
  const srv = await server((r) => (r.path.startsWith('/always500') ? 500 : 404));
  const s = settings({
    notifiers: [
      { type: 'slack', url: `${srv.url}/always500` },
      { type: 'telegram', token: 'TOKEN-XYZ', chatId: 1, apiBase: `${srv.url}/gone` },
    ],
  });
  const { d, events, logs } = make(home(), s);
  await d.notify(change());
  await d.flush();
  const byNotifier = Object.fromEntries(events.map((e) => [e.event.notifier, e.event]));
  assert.equal(byNotifier.slack?.type, 'notify_failed');
  assert.equal(byNotifier.slack?.attempts, 3);
  assert.match(byNotifier.slack?.error ?? '', /^HTTP 500/);
  assert.equal(byNotifier.telegram?.type, 'notify_failed');
  assert.equal(byNotifier.telegram?.attempts, 1, '404 is permanent: no retry');
  assert.equal(srv.received.length, 4);
  assert.ok(!JSON.stringify(events).includes('TOKEN-XYZ'));
  assert.ok(!logs.join('\n').includes('TOKEN-XYZ'));
});

test('a channel that never answers does not delay the others or the caller', async () => {
  const dead = await server(() => 'hang');
  const live = await server();
  const s = settings({
    notifiers: [
      { type: 'slack', url: `${dead.url}/dead` },
      { type: 'webhook', url: `${live.url}/live` },
    ],
  });
  const { d, events } = make(home(), s, { retry: { ...FAST, attempts: 1, timeoutMs: 60_000 } });
  const started = Date.now();
  await d.notify(change());
  const returnedAfter = Date.now() - started;
  assert.ok(returnedAfter < 1_000, `notify() returned after ${returnedAfter} ms`);
  await waitFor(() => live.received.length === 1, 5_000, 'the live channel');
  await waitFor(() => dead.received.length === 1, 5_000, 'the dead channel to be reached');
  assert.deepEqual(
    events.map((e) => [e.event.notifier, e.event.type]),
    [['webhook', 'notified']],
  );
  // Shutdown does not wait for the dead channel's 60 s timeout.
  const closing = Date.now();
  await d.close(50);
  assert.ok(Date.now() - closing < 5_000);
  const slack = events.find((e) => e.event.notifier === 'slack')?.event;
  assert.equal(slack?.type, 'notify_failed');
  assert.match(slack?.error ?? '', /stopped at shutdown/);
});

test('a restarted dispatcher never repeats a change', async () => {
  const srv = await server();
  const dir = home();
  const s = settings({ notifiers: [{ type: 'webhook', url: `${srv.url}/w` }] });
  const c = change();
  const first = make(dir, s).d;
  await first.notify(c);
  await first.close();
  const second = make(dir, s).d;
  await second.notify(c);
  await second.notify(c);
  await second.close();
  assert.equal(srv.received.length, 1);
  // Two dispatchers on one home at once cannot happen: only the supervisor holding the home's leader
  // lock runs one (daemon.test.ts starts two and finds one writer), so the ledger has one writer.
});

test('notify() resolves once the intent is on disk (the write itself is not awaited before the send)', async () => {
  const srv = await server();
  const dir = home();
  const s = settings({ notifiers: [{ type: 'webhook', url: `${srv.url}/w` }] });
  const { d } = make(dir, s);
  const c = change();
  const done = d.notify(c);
  // The write is asynchronous: nothing is on disk when notify() returns its promise.
  assert.equal(existsSync(join(dir.state, 'notified.json')), false);
  await done;
  const ledger = JSON.parse(readFileSync(join(dir.state, 'notified.json'), 'utf8'));
  assert.ok(ledger.changes[c.id], 'the intent is recorded when notify() resolves');
  await d.close();
  assert.equal(srv.received.length, 1);
});

test('state filter, mute by settings and by status, stale changes', async () => {
  const srv = await server();
  const dir = home();
  const mutedByStatus = new Set(['quiet-2']);
  const s = settings({
    notifiers: [{ type: 'webhook', url: `${srv.url}/w`, on: ['done', 'waiting'] }],
    muted: ['quiet-1'],
  });
  const { d } = make(dir, s, { isMuted: (n) => mutedByStatus.has(n) });
  await d.notify(change({ state: 'failed' }));
  await d.notify(change({ state: 'done', name: 'quiet-1' }));
  const muted = change({ state: 'waiting', name: 'quiet-2' });
  await d.notify(muted);
  await d.notify(change({ state: 'done', at: '2020-01-01T00:00:00Z' }));
  await d.notify(change({ state: 'done' }));
  await d.flush();
  assert.deepEqual(
    srv.received.map((r) => (r.json as { name: string; state: string }).state),
    ['done'],
  );
  // Unmuting later does not replay what happened while muted.
  mutedByStatus.clear();
  await d.notify(muted);
  await d.flush();
  assert.equal(srv.received.length, 1);
});

test('a missing secret is a recorded failure, not retried, not a crash', async () => {
  const dir = home();
  const s = settings({
    notifiers: [
      { type: 'slack', url: { file: 'nope' } },
      { type: 'webhook', url: { env: 'UNSET_VAR' } },
    ],
  });
  const { d, events } = make(dir, s, { env: {} });
  await d.notify(change());
  await d.flush();
  const errors = Object.fromEntries(events.map((e) => [e.event.notifier, [e.event.error, e.event.attempts]]));
  assert.deepEqual(errors, {
    slack: [`slack.url: cannot read secret file ${join(dir.root, 'nope')} (ENOENT)`, 1],
    webhook: ['webhook.url: environment variable UNSET_VAR is not set', 1],
  });
});

test('an adapter that throws or an appendEvent that throws cannot break notify()', async () => {
  const dir = home();
  const s = settings({ notifiers: [{ type: 'desktop' }] });
  let calls = 0;
  const { d, logs } = make(dir, s, {
    factories: {
      desktop: () => ({
        type: 'desktop',
        send: async () => {
          calls++;
          throw new Error('plug-in bug');
        },
      }),
    },
    appendEvent: () => {
      throw new Error('run dir gone');
    },
  });
  await d.notify(change());
  await d.flush();
  assert.equal(calls, 3, 'a throw is retried like a transient failure');
  assert.ok(logs.some((l) => l.includes('could not append notify_failed')));
});

test('sendTest reports per notifier, and the override registry is used', async () => {
  const srv = await server((r) => (r.path === '/bad' ? 403 : 200));
  const seen: string[] = [];
  const s = settings({
    notifiers: [
      { type: 'slack', url: `${srv.url}/ok` },
      { type: 'slack', url: `${srv.url}/bad` },
      { type: 'desktop' },
    ],
  });
  const { d } = make(home(), s, {
    factories: {
      desktop: () => ({ type: 'desktop', send: async (m) => (seen.push(m.title), { ok: true }) }),
    },
  });
  const all = await d.sendTest();
  assert.deepEqual(
    all.map((o) => [o.notifier, o.ok, o.error]),
    [
      ['slack', true, undefined],
      ['slack#2', false, 'HTTP 403: {"ok":false,"description":"status 403"}'],
      ['desktop', true, undefined],
    ],
  );
  assert.deepEqual(seen, ['[test] notify-test finished']);
  const onlyDesktop = await d.sendTest('desktop');
  assert.deepEqual(
    onlyDesktop.map((o) => o.notifier),
    ['desktop'],
  );
});
