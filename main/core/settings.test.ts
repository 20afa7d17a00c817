import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlDir } from './paths.js';
import {
  loadSettings,
  parseSettings,
  saveSettings,
  jsonErrorOffset,
  lineColumn,
  settingsSchema,
} from './settings.js';
import { parseJsonText, verifyAtOf } from './settingsJson.js';
import { defaultSettings } from '../common/settings.js';
import { DEFAULT_NOTIFY_ON } from '../common/notify.js';

function withDir(fn: (dir: ControlDir) => void | Promise<void>) {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'wc-settings-'));
    try {
      await fn(new ControlDir(root));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test('valid settings parse, with defaults filled in', () => {
  const cases: Array<[string, unknown, (s: ReturnType<typeof defaultSettings>) => void]> = [
    ['empty object is defaults', {}, (s) => assert.deepEqual(s, defaultSettings())],
    [
      'desktop gets the default states',
      { notifiers: [{ type: 'desktop' }] },
      (s) => assert.deepEqual(s.notifiers[0], { type: 'desktop', on: [...DEFAULT_NOTIFY_ON] }),
    ],
    [
      'telegram: numeric chatId becomes a string, apiBase defaults',
      { notifiers: [{ type: 'telegram', token: { env: 'TG' }, chatId: -100123 }] },
      (s) =>
        assert.deepEqual(s.notifiers[0], {
          type: 'telegram',
          on: [...DEFAULT_NOTIFY_ON],
          token: { env: 'TG' },
          chatId: '-100123',
          apiBase: 'https://api.telegram.org',
        }),
    ],
    [
      'secrets inline, by env and by file',
      {
        notifiers: [
          { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x', on: ['done'] },
          { type: 'slack', url: { env: 'SLACK_URL' } },
          { type: 'webhook', url: { file: '~/.webhook' }, headers: { Authorization: { env: 'TOK' } } },
        ],
      },
      (s) => {
        assert.equal(s.notifiers.length, 3);
        assert.deepEqual(s.notifiers[0]!.on, ['done']);
      },
    ],
    [
      'command, openclaw, terminal, thresholds, muted',
      {
        notifiers: [{ type: 'command', argv: ['notify', '$(x)'] }, { type: 'openclaw' }],
        thresholds: { idleSeconds: 5 },
        terminal: { argv: ['kitty', '-e'] },
        launchAtLogin: true,
        muted: ['fix-login'],
      },
      (s) => {
        assert.deepEqual(s.thresholds, { idleSeconds: 5, stallSeconds: 300 });
        assert.deepEqual(s.terminal, { argv: ['kitty', '-e'] });
        assert.deepEqual(s.muted, ['fix-login']);
      },
    ],
  ];
  for (const [what, input, check] of cases) {
    const r = parseSettings(input);
    assert.ok(r.ok, `${what}: ${r.ok ? '' : r.error.message}`);
    check(r.value);
  }
});

test('every broken field is named by its path', () => {
  const cases: Array<[unknown, string]> = [
    [{ notifiers: [{ type: 'pager' }] }, 'notifiers[0].type: expected type to be one of desktop, slack'],
    [{ notifiers: [{}] }, 'notifiers[0].type:'],
    [{ notifiers: [{ type: 'desktop', on: ['finished'] }] }, 'notifiers[0].on[0]:'],
    [{ notifiers: [{ type: 'slack' }] }, 'notifiers[0].url:'],
    [{ notifiers: [{ type: 'slack', url: 42 }] }, 'notifiers[0].url: expected a string, { "env": "VAR" }'],
    [{ notifiers: [{ type: 'slack', url: { env: '' } }] }, 'notifiers[0].url.env:'],
    [{ notifiers: [{ type: 'slack', url: { vault: 'x' } }] }, 'notifiers[0].url:'],
    [{ notifiers: [{ type: 'slack', url: 'not a url' }] }, 'notifiers[0].url: expected an http(s) URL'],
    [{ notifiers: [{ type: 'telegram', token: 't' }] }, 'notifiers[0].chatId:'],
    [
      { notifiers: [{ type: 'telegram', token: 't', chatId: 1, apiBase: 'ftp://x' }] },
      'notifiers[0].apiBase:',
    ],
    [{ notifiers: [{ type: 'webhook', url: 'https://x', headers: { A: 1 } }] }, 'notifiers[0].headers.A:'],
    [
      { notifiers: [{ type: 'desktop' }, { type: 'command', argv: [] }] },
      'notifiers[1].argv: expected a non-empty',
    ],
    [{ notifiers: [{ type: 'command', argv: 'rm -rf /' }] }, 'notifiers[0].argv:'],
    [{ notifiers: [{ type: 'desktop', urll: 1 }] }, 'notifiers[0]: Unrecognized key: "urll"'],
    [{ thresholds: { idleSeconds: -1 } }, 'thresholds.idleSeconds:'],
    [{ thresholds: { stallSeconds: 'x' } }, 'thresholds.stallSeconds:'],
    [{ terminal: { argv: [] } }, 'terminal.argv:'],
    [{ launchAtLogin: 'yes' }, 'launchAtLogin:'],
    [{ muted: ['Bad Name'] }, 'muted[0]: expected a workcell name'],
    [{ notifier: [] }, '(top level): Unrecognized key: "notifier"'],
    [[], '(top level):'],
  ];
  for (const [input, expected] of cases) {
    const r = parseSettings(input, '/h/settings.json');
    assert.ok(!r.ok, `${JSON.stringify(input)} should be rejected`);
    assert.equal(r.error.code, 'BAD_SETTINGS');
    assert.ok(r.error.message.startsWith('/h/settings.json: '), r.error.message);
    assert.ok(r.error.message.includes(expected), `${JSON.stringify(input)}: ${r.error.message}`);
  }
});

test('an invalid inline secret URL is rejected without echoing it', () => {
  const r = parseSettings({ notifiers: [{ type: 'slack', url: 'hooks.slack.com/SEKRET-123' }] });
  assert.ok(!r.ok);
  assert.ok(!r.error.message.includes('SEKRET'), r.error.message);
});

test('JSON syntax errors name the file, line and column (never the text)', () => {
  const cases: Array<[string, number, number]> = [
    ['{"a":}', 1, 6],
    ['{\n  "a": 1,\n}', 3, 1],
    ['{\n  "notifiers": [\n    { "type": "slack" "url": "https://SEKRET" }\n  ]\n}', 3, 23],
    ['{"a": tru}', 1, 7],
    ['{"a": 1', 1, 8],
    ['{} x', 1, 4],
    ['{"a": "x\ny"}', 1, 9],
  ];
  for (const [text, line, column] of cases) {
    assert.throws(() => JSON.parse(text), `${text} must really be invalid`);
    assert.deepEqual(lineColumn(text, jsonErrorOffset(text)), { line, column }, text);
  }
  for (const good of ['{}', '[1, -2.5e3, "a\\u00e9\\n", true, false, null, {"x": []}]', ' "s" ']) {
    assert.equal(jsonErrorOffset(good), good.length, good);
  }
});

test(
  'loadSettings: missing file is defaults, broken file is a value naming the file',
  withDir((dir) => {
    const missing = loadSettings(dir);
    assert.ok(missing.ok);
    assert.deepEqual(missing.value, defaultSettings());

    writeFileSync(dir.settings, '{\n  "notifiers": [{ "type": "slack", "url": "https://hooks/SEKRET" },]\n}');
    const bad = loadSettings(dir);
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, 'BAD_SETTINGS');
    assert.equal(
      bad.error.message,
      `${dir.settings}: invalid JSON at line 2, column 67: trailing ',' before ']': delete it (JSON allows no trailing comma)`,
    );
    assert.ok(!bad.error.message.includes('SEKRET'));

    writeFileSync(dir.settings, JSON.stringify({ notifiers: [{ type: 'command' }] }));
    const invalid = loadSettings(dir);
    assert.ok(!invalid.ok);
    assert.match(invalid.error.message, /settings\.json: invalid settings: notifiers\[0\]\.argv: /);
  }),
);

test(
  'saveSettings writes atomically with mode 0600 and round-trips',
  withDir(async (dir) => {
    const s = defaultSettings();
    s.notifiers.push({ type: 'slack', on: ['done'], url: { env: 'SLACK_URL' } });
    s.muted.push('a1');
    const r = await saveSettings(dir, s);
    assert.ok(r.ok);
    assert.equal(statSync(dir.settings).mode & 0o777, 0o600);
    const back = loadSettings(dir);
    assert.ok(back.ok);
    assert.deepEqual(back.value, s);
    assert.ok(readFileSync(dir.settings, 'utf8').endsWith('}\n'));

    const invalid = await saveSettings(dir, { ...s, muted: ['NO WAY'] });
    assert.ok(!invalid.ok, 'invalid settings are not written');
    assert.deepEqual(loadSettings(dir), back);
  }),
);

test('JSON errors say what to change, pointing at a trailing comma itself, never quoting the text', () => {
  const cases: Array<[string, string]> = [
    ['{\n  "a": 1,\n}', "line 2, column 9: trailing ',' before '}': delete it"],
    ['[1, 2 , ]', "line 1, column 7: trailing ',' before ']'"],
    ['{"a": 1', 'line 1, column 8: the file ends too early'],
    [
      '{ "t": "slack" "url": "https://SEKRET" }',
      `line 1, column 16: unexpected '"' (a ',' missing before it?)`,
    ],
    ['{\n  // note\n  "a": 1 }', "line 2, column 3: unexpected '/': JSON allows no comments"],
    ["{'a': 1}", "line 1, column 2: unexpected ''': JSON strings use double quotes"],
    ['{"a": SEKRET}', 'line 1, column 7: unexpected character'],
    ['{"a": "x\ny"}', 'line 1, column 9: a line break or control character inside a string'],
    ['{"a" 1}', 'line 1, column 6: unexpected character'],
    ['{"a":: 1}', "line 1, column 6: unexpected ':'"],
  ];
  for (const [text, expected] of cases) {
    const r = parseJsonText(text, '/h/settings.json');
    assert.ok(!r.ok, text);
    assert.equal(r.error.code, 'BAD_SETTINGS');
    assert.ok(r.error.message.startsWith('/h/settings.json: invalid JSON at '), r.error.message);
    assert.ok(r.error.message.includes(expected), `${text}: ${r.error.message}`);
    assert.ok(!r.error.message.includes('SEKRET'), r.error.message);
  }
});

test(
  'a UTF-8 BOM is accepted, and positions after it are the ones an editor shows',
  withDir((dir) => {
    writeFileSync(dir.settings, '\ufeff{ "launchAtLogin": true }\n');
    const good = loadSettings(dir);
    assert.ok(good.ok, good.ok ? '' : good.error.message);
    assert.equal(good.value.launchAtLogin, true);

    writeFileSync(dir.settings, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": 1,}')]));
    const bad = loadSettings(dir);
    assert.ok(!bad.ok);
    assert.match(bad.error.message, /invalid JSON at line 1, column 8: trailing ','/);

    writeFileSync(dir.settings, '\ufeff');
    assert.deepEqual(
      loadSettings(dir),
      { ok: true, value: defaultSettings() },
      'a BOM alone is an empty file',
    );
  }),
);

test('verifyAt: both by default; turn and exit accepted; anything else named; the finisher reads it without the schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wc-va-'));
  try {
    const file = join(dir, 'settings.json');
    assert.equal(verifyAtOf(file), 'both', 'no file');
    for (const v of ['turn', 'exit', 'both'] as const) {
      writeFileSync(file, `\ufeff${JSON.stringify({ verifyAt: v })}`);
      assert.equal(verifyAtOf(file), v);
      const r = settingsSchema.safeParse({ verifyAt: v });
      assert.ok(r.success && r.data.verifyAt === v);
    }
    assert.equal(settingsSchema.parse({}).verifyAt, 'both');
    assert.equal(settingsSchema.safeParse({ verifyAt: 'sometimes' }).success, false);
    writeFileSync(file, '{"verifyAt": "turn",}');
    assert.equal(verifyAtOf(file), 'both', 'a broken file never skips a check');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
