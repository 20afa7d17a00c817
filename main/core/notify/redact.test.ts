// A Slack or webhook URL's path is the credential, and servers echo it in their errors ("no hook at
// /services/T0/B0/XYZ"). A real server on 127.0.0.1 answers every request with an error that echoes
// the path (raw, percent-decoded, without its slash, JSON-escaped): nothing we write holds any of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StateChange } from '../../common/notify.js';
import { ControlDir } from '../paths.js';
import { parseSettings } from '../settings.js';
import { CLI } from '../testing/fixture.js';
import { NotificationDispatcher } from './dispatcher.js';
import { REDACTED, secretForms } from './secrets.js';

const AT = '2030-01-02T03:04:05.000Z';
// Every piece here is part of a secret URL; none may appear in anything written.
const SECRET_PIECES = ['s3cr3t-path', 'qsecret123', 'slacksecretXYZ', 'T0-B0', 'T9/B9', 'T9\\/B9'];

let server: Server;
let base = '';
let root = '';
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wc-redact-'));
  server = createServer((req, res) => {
    req.resume();
    const path = req.url ?? '';
    const decoded = decodeURIComponent(path);
    res.writeHead(path.startsWith('/services') ? 404 : 400, { 'content-type': 'text/plain' });
    res.end(
      `no hook at ${path} (${decoded}); ${decoded.slice(1)}; ${JSON.stringify({ p: path }).replace(/\//g, '\\/')}`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(root, { recursive: true, force: true });
});

function settingsJson() {
  return {
    notifiers: [
      { type: 'webhook', url: { env: 'HOOK_URL' } },
      { type: 'slack', url: `${base}/services/T9/B9/slacksecretXYZ` },
    ],
  };
}
const hookUrl = () => `${base}/hooks/T0-B0/s3cr3t%2Dpath?key=qsecret123`;

function assertNoSecret(text: string, where: string) {
  for (const p of SECRET_PIECES) assert.ok(!text.includes(p), `${where} holds ${JSON.stringify(p)}: ${text}`);
}

test('events.jsonl, the watch log and the test results hold no piece of a secret URL', async () => {
  const dir = new ControlDir(root);
  const events = join(root, 'events.jsonl');
  const log: string[] = [];
  const settings = parseSettings(settingsJson());
  assert.ok(settings.ok);
  const d = new NotificationDispatcher({
    dir,
    settings: settings.value,
    env: { HOOK_URL: hookUrl() },
    // As the supervisor does: one JSON line per event in the workcell's events.jsonl.
    appendEvent: (_name, e) => appendFileSync(events, `${JSON.stringify(e)}\n`),
    log: (l) => log.push(l),
    clock: () => Date.parse(AT),
    retry: { attempts: 1 },
  });
  const change: StateChange = {
    id: 'fix:1:1:failed',
    name: 'fix',
    state: 'failed',
    from: 'running',
    at: AT,
    exitCode: 2,
    evidence: { source: 'exit', detail: 'exit 2', at: AT },
    excerpt: '',
    runDir: join(root, 'runs', 'fix'),
  };
  await d.notify(change);
  await d.flush();
  const tests = await d.sendTest();
  await d.close();
  const written = readFileSync(events, 'utf8');
  assert.match(written, /notify_failed/);
  assert.match(written, /no hook at \[redacted\]/);
  assertNoSecret(written, 'events.jsonl');
  assert.ok(log.length > 0);
  assertNoSecret(log.join('\n'), 'the log');
  assert.equal(tests.filter((t) => !t.ok).length, 2);
  assertNoSecret(JSON.stringify(tests), 'sendTest');
});

test('`workcell notify test --json` prints no piece of a secret URL', async () => {
  const home = mkdtempSync(join(tmpdir(), 'wc-redact-cli-'));
  try {
    writeFileSync(join(home, 'settings.json'), JSON.stringify(settingsJson()));
    const r = await promisify(execFile)(process.execPath, [CLI, 'notify', 'test', '--json'], {
      env: { ...process.env, WORKCELLS_HOME: home, HOOK_URL: hookUrl() },
    }).catch((e: { stdout: string; stderr: string }) => e);
    assert.match(r.stdout, /HTTP 404: no hook at \[redacted\]/);
    assertNoSecret(r.stdout + r.stderr, 'notify test --json');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('secretForms: the value, its path whole and from each later segment, decoded and JSON-escaped', () => {
  const forms = secretForms('https://hooks.slack.com/services/T0/B0/XYZ%2Dq?token=abcdef');
  for (const f of [
    'https://hooks.slack.com/services/T0/B0/XYZ%2Dq?token=abcdef',
    '/services/T0/B0/XYZ%2Dq',
    'services/T0/B0/XYZ-q',
    '/T0/B0/XYZ-q',
    '\\/B0\\/XYZ%2Dq',
    '?token=abcdef',
  ])
    assert.ok(forms.includes(f), f);
  // A lone word of a path is not hidden everywhere, and a non-URL is only itself.
  assert.ok(!secretForms('https://example.com/notify/x').includes('notify'));
  assert.deepEqual(secretForms('123:ABC'), ['123:ABC']);
  assert.deepEqual(secretForms(''), []);
  assert.equal(REDACTED, '[redacted]');
});
