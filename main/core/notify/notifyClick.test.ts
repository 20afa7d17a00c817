import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickTarget, clickUrl, workcellDetailUrl } from '../../common/notifyClick.js';

const ORIGIN = 'http://127.0.0.1:47123';

test('a bubble about one workcell opens its detail; a summary of several, or a test, the dashboard', () => {
  assert.deepEqual(clickTarget({ name: 'fix-login' }), { kind: 'detail', name: 'fix-login' });
  assert.deepEqual(clickTarget({ names: ['a', 'a'] }), { kind: 'detail', name: 'a' });
  assert.deepEqual(clickTarget({ names: ['a', 'b'] }), { kind: 'dashboard' });
  assert.deepEqual(clickTarget({ names: [] }), { kind: 'dashboard' });
  assert.deepEqual(clickTarget({ name: 'notify-test', test: true }), { kind: 'dashboard' });
  assert.deepEqual(clickTarget({ name: '' }), { kind: 'dashboard' });
});

test('the URL is the dashboard route the renderer follows (#workcell=NAME), never with a token', () => {
  assert.equal(
    clickUrl(ORIGIN, { kind: 'detail', name: 'fix-login' }),
    'http://127.0.0.1:47123/#workcell=fix-login',
  );
  assert.equal(clickUrl(`${ORIGIN}/`, { kind: 'dashboard' }), 'http://127.0.0.1:47123/');
  // Names are validated long before; encoded anyway, so nothing can add a second fragment parameter.
  assert.equal(workcellDetailUrl(ORIGIN, 'a&token=x'), 'http://127.0.0.1:47123/#workcell=a%26token%3Dx');
  const u = new URL(workcellDetailUrl(ORIGIN, 'a&token=x'));
  assert.equal(new URLSearchParams(u.hash.slice(1)).get('token'), null);
  assert.equal(new URLSearchParams(u.hash.slice(1)).get('workcell'), 'a&token=x');
});
