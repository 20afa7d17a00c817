import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor, makeSecretResolver, registerInlineSecrets, REDACTED } from './secrets.js';
import { parseSettings } from '../settings.js';

test('Redactor scrubs every known secret, longest first', () => {
  const r = new Redactor();
  r.add('');
  r.add('123:ABC');
  r.add('https://api.telegram.org/bot123:ABC');
  const cases: Array<[string, string]> = [
    ['nothing secret here', 'nothing secret here'],
    ['POST https://api.telegram.org/bot123:ABC/sendMessage failed', `POST ${REDACTED}/sendMessage failed`],
    ['token 123:ABC twice 123:ABC', `token ${REDACTED} twice ${REDACTED}`],
  ];
  for (const [input, expected] of cases) assert.equal(r.redact(input), expected);
});

test('secrets resolve inline, from env and from a file read at send time; failures are values', async () => {
  const root = mkdtempSync(join(tmpdir(), 'wc-secret-'));
  try {
    writeFileSync(join(root, 'tok'), 'file-secret\n');
    const env = { SLACK_URL: ' https://hooks.example/env-secret ', HOME: root };
    const res = makeSecretResolver(env, root);
    const cases: Array<[Parameters<typeof res.resolve>[0], { ok: boolean; text: string }]> = [
      ['inline-secret', { ok: true, text: 'inline-secret' }],
      [{ env: 'SLACK_URL' }, { ok: true, text: 'https://hooks.example/env-secret' }],
      [{ env: 'NOPE' }, { ok: false, text: 'slack.url: environment variable NOPE is not set' }],
      [{ file: 'tok' }, { ok: true, text: 'file-secret' }],
      [{ file: '~/tok' }, { ok: true, text: 'file-secret' }],
      [
        { file: join(root, 'missing') },
        { ok: false, text: `slack.url: cannot read secret file ${join(root, 'missing')} (ENOENT)` },
      ],
    ];
    for (const [secret, want] of cases) {
      const r = await res.resolve(secret, 'slack.url');
      assert.equal(r.ok, want.ok, JSON.stringify(secret));
      assert.equal(r.ok ? r.value : r.error, want.text);
    }
    // Resolved values are now redacted everywhere.
    assert.equal(
      res.redactor.redact('x https://hooks.example/env-secret file-secret'),
      `x ${REDACTED} ${REDACTED}`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('registerInlineSecrets covers every inline secret field', () => {
  const parsed = parseSettings({
    notifiers: [
      { type: 'slack', url: 'https://hooks.slack.com/services/S1' },
      { type: 'telegram', token: 'S2-token', chatId: 5 },
      {
        type: 'webhook',
        url: 'https://example.com/S3',
        headers: { Authorization: 'Bearer S4', 'X-From': { env: 'FROM' } },
      },
      { type: 'slack', url: { env: 'SLACK_URL' } },
    ],
  });
  assert.ok(parsed.ok);
  const r = new Redactor();
  registerInlineSecrets(parsed.value, r);
  const printed = r.redact(JSON.stringify(parsed.value));
  for (const s of ['S1', 'S2-token', 'S3', 'S4']) assert.ok(!printed.includes(s), `${s} leaked: ${printed}`);
  assert.ok(printed.includes('"env":"SLACK_URL"'), 'where a secret comes from stays visible');
});
