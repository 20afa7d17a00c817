import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSettings, type Settings } from '../common/settings.js';
import { parseSettings } from '../core/settings.js';
import { SecretStore, type Cipher } from './secretStore.js';
import { applyPatch, notifierView, parsePatch, type StoreSecret } from '../common/settingsModel.js';

const noStore: StoreSecret = () => ({ ok: false, error: { code: 'BAD_SETTINGS', message: 'no store' } });
const fakeStore = (): StoreSecret & { calls: string[] } => {
  const calls: string[] = [];
  const f = ((v: string) => {
    calls.push(v);
    return { ok: true, value: { env: `WORKCELL_KEYCHAIN_${calls.length}` } };
  }) as StoreSecret & { calls: string[] };
  f.calls = calls;
  return f;
};

const current: Settings = {
  ...defaultSettings(),
  notifiers: [
    { type: 'desktop', on: ['done', 'failed'] },
    { type: 'slack', name: 'team', on: ['failed'], url: { env: 'WORKCELL_KEYCHAIN_OLD' } },
    { type: 'webhook', on: ['done'], url: { file: '~/hook' }, headers: { Authorization: { env: 'TOK' } } },
  ],
  muted: ['quiet-one'],
};

test('notifierView never carries a secret value', () => {
  assert.deepEqual(
    notifierView({ type: 'slack', on: ['done'], url: 'https://hooks.slack.com/services/SECRET' }),
    {
      type: 'slack',
      on: ['done'],
      fields: {},
      secretSet: true,
      secretSource: 'inline in settings.json',
    },
  );
  assert.equal(notifierView(current.notifiers[1]!).secretSource, 'app keychain');
  assert.equal(notifierView(current.notifiers[2]!).secretSource, 'file ~/hook');
  assert.deepEqual(notifierView({ type: 'command', on: [], argv: ['notify-me', '--loud'] }).fields, {
    argv: 'notify-me\n--loud',
  });
});

test('applyPatch keeps what the window does not edit and validates with the core schema', () => {
  const r = applyPatch(
    current,
    {
      notifiers: [
        { type: 'desktop', on: ['waiting'], fields: {} },
        { type: 'slack', on: ['failed', 'done'], fields: { name: 'team' } },
        { type: 'webhook', on: ['done'], fields: {} },
      ],
      thresholds: { idleSeconds: 45, stallSeconds: 600 },
      terminalArgv: ['kitty', ' {cmd} ', ''],
      launchAtLogin: true,
    },
    noStore,
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  const s = r.value.settings;
  assert.deepEqual(s.notifiers[1], {
    type: 'slack',
    name: 'team',
    on: ['failed', 'done'],
    url: { env: 'WORKCELL_KEYCHAIN_OLD' },
  });
  assert.deepEqual(s.notifiers[2], {
    type: 'webhook',
    on: ['done'],
    url: { file: '~/hook' },
    headers: { Authorization: { env: 'TOK' } },
  });
  assert.deepEqual(s.terminal, { argv: ['kitty', '{cmd}'] });
  assert.deepEqual(s.muted, ['quiet-one']);
  assert.equal(s.launchAtLogin, true);
  assert.deepEqual(r.value.droppedSecrets, []);
  assert.ok(parseSettings(s).ok);
});

test('applyPatch: a new secret goes through the store; a removed row frees its secret', () => {
  const store = fakeStore();
  const r = applyPatch(
    current,
    {
      notifiers: [
        { type: 'desktop', on: ['done'], fields: {} },
        { type: 'telegram', on: ['done'], fields: { chatId: '42' }, secret: ' 123:abc ' },
      ],
    },
    store,
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(store.calls, ['123:abc']);
  assert.deepEqual(r.value.settings.notifiers[1], {
    type: 'telegram',
    on: ['done'],
    token: { env: 'WORKCELL_KEYCHAIN_1' },
    chatId: '42',
    apiBase: 'https://api.telegram.org',
  });
  assert.deepEqual(r.value.droppedSecrets, ['WORKCELL_KEYCHAIN_OLD']);
  assert.ok(parseSettings(r.value.settings).ok);
});

test('applyPatch: mistakes are values naming the row', () => {
  const cases: { patch: Parameters<typeof applyPatch>[1]; message: RegExp }[] = [
    {
      patch: { notifiers: [{ type: 'slack', on: [], fields: {} }] },
      message: /notifier 1 \(slack\): needs its url/,
    },
    { patch: { notifiers: [{ type: 'pager', on: [], fields: {} }] }, message: /unknown type "pager"/ },
    {
      patch: { notifiers: [{ type: 'command', on: [], fields: { argv: '\n \n' } }] },
      message: /needs a command/,
    },
    { patch: { notifiers: [{ type: 'slack', on: [], fields: {}, secret: 'x' }] }, message: /no store/ },
    { patch: { thresholds: { idleSeconds: 0, stallSeconds: 10 } }, message: /positive/ },
    {
      patch: {
        notifiers: [
          { type: 'desktop', on: [], fields: {} },
          { type: 'slack', on: [], fields: {}, clearSecret: true },
        ],
      },
      message: /notifier 2 \(slack\): needs its url/,
    },
  ];
  for (const c of cases) {
    const r = applyPatch(current, c.patch, noStore);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error.message, c.message);
  }
});

const rot13: Cipher = {
  unavailableReason: () => null,
  encrypt: (s) =>
    Buffer.from(s.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97))),
  decrypt: (b) =>
    b.toString().replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97)),
};

test('SecretStore: 0600 file, ciphertext only, env overlay, forget', () => {
  const root = mkdtempSync(join(tmpdir(), 'wc-secrets-'));
  try {
    const s = new SecretStore(root, rot13);
    const a = s.store('hello');
    assert.ok(a.ok);
    if (!a.ok) return;
    assert.match(a.value, /^WORKCELL_KEYCHAIN_[0-9A-F]{12}$/);
    assert.equal(statSync(s.path).mode & 0o777, 0o600);
    assert.ok(!readFileSync(s.path, 'utf8').includes('hello'));
    assert.deepEqual(s.env(), { [a.value]: 'hello' });
    assert.equal(s.get(a.value), 'hello');
    assert.equal(s.get('WORKCELL_KEYCHAIN_NOPE'), null);
    assert.ok(s.forget([a.value]).ok);
    assert.deepEqual(s.env(), {});
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("SecretStore: refuses with the cipher's warning when only plain text storage exists", () => {
  const root = mkdtempSync(join(tmpdir(), 'wc-secrets-'));
  try {
    const s = new SecretStore(root, { ...rot13, unavailableReason: () => 'no keyring' });
    const r = s.store('hello');
    assert.deepEqual(r, { ok: false, error: { code: 'BAD_SETTINGS', message: 'no keyring' } });
    assert.deepEqual(s.env(), {});
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('parsePatch checks the shape at the IPC boundary', () => {
  assert.ok(parsePatch({ launchAtLogin: true, terminalArgv: ['kitty', '{cmd}'] }).ok);
  const r = parsePatch({ notifiers: [{ type: 'desktop', on: ['nope'], fields: {} }], extra: 1 });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /invalid change/);
  assert.equal(parsePatch(null).ok, false);
});

test('desktop sound: shown with its default, saved from the window, kept when the window omits it', () => {
  assert.deepEqual(notifierView({ type: 'desktop', on: ['done'] }).sound, [
    'waiting',
    'failed',
    'verify_failed',
    'auth_failed',
  ]);
  assert.deepEqual(notifierView({ type: 'desktop', on: [], sound: [] }).sound, []);
  assert.equal(notifierView({ type: 'slack', on: [], url: 'https://x.invalid' }).sound, undefined);

  const patch = parsePatch({
    notifiers: [{ type: 'desktop', on: ['done'], fields: {}, sound: ['rate_limited', 'verify_failed'] }],
  });
  assert.ok(patch.ok);
  const saved = applyPatch(current, patch.value, noStore);
  assert.ok(saved.ok);
  assert.deepEqual(saved.value.settings.notifiers[0], {
    type: 'desktop',
    on: ['done'],
    sound: ['rate_limited', 'verify_failed'],
  });
  // The core's schema accepts what the model wrote.
  assert.ok(parseSettings(JSON.parse(JSON.stringify(saved.value.settings))).ok);

  const withSound: Settings = {
    ...current,
    notifiers: [{ type: 'desktop', on: ['done'], sound: ['waiting'] }],
  };
  const kept = applyPatch(
    withSound,
    { notifiers: [{ type: 'desktop', on: ['failed'], fields: {} }] },
    noStore,
  );
  assert.ok(kept.ok);
  assert.deepEqual(kept.value.settings.notifiers[0], { type: 'desktop', on: ['failed'], sound: ['waiting'] });
  assert.equal(
    parsePatch({ notifiers: [{ type: 'desktop', on: [], fields: {}, sound: ['loud'] }] }).ok,
    false,
  );
});

test('attach prefix: a key is saved and passes the core schema; empty or C-b leave the file; others refused', () => {
  const set = applyPatch(current, { attachPrefix: ' C-a ' }, noStore);
  assert.ok(set.ok);
  assert.equal(set.value.settings.attachPrefix, 'C-a');
  assert.ok(parseSettings(set.value.settings).ok);
  for (const cleared of ['', 'C-b']) {
    const r = applyPatch(set.value.settings, { attachPrefix: cleared }, noStore);
    assert.ok(r.ok);
    assert.equal('attachPrefix' in r.value.settings, false, `"${cleared}" clears it`);
  }
  // Not sent: what the file has stays.
  const kept = applyPatch(set.value.settings, { thresholds: { idleSeconds: 5, stallSeconds: 9 } }, noStore);
  assert.ok(kept.ok);
  assert.equal(kept.value.settings.attachPrefix, 'C-a');
  for (const bad of ['ctrl-a', 'C-A', 'C-ab', 'C-a; run-shell x', 'a']) {
    const r = applyPatch(current, { attachPrefix: bad }, noStore);
    assert.ok(!r.ok, bad);
    assert.equal(r.error.code, 'BAD_SETTINGS');
    assert.match(r.error.message, /^attach prefix: .* is not a tmux prefix key: .*e\.g\. C-a/);
  }
  assert.ok(parsePatch({ attachPrefix: 'M-b' }).ok);
  assert.ok(!parsePatch({ attachPrefix: 7 }).ok);
});
