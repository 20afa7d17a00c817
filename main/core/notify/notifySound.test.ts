import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SOUND_ON, wantsSound, type SoundSource } from '../../common/notifySound.js';

const fail = { ran: true, exitCode: 1 };
const pass = { ran: true, exitCode: 0 };

test('default sound: waiting, failed, verify failed, auth; the rest is silent', () => {
  const cases: [string, SoundSource, boolean][] = [
    ['waiting', { state: 'waiting' }, true],
    ['failed', { state: 'failed', reason: null }, true],
    ['exited logged out', { state: 'failed', reason: 'auth_failed' }, true],
    ['auth failed', { state: 'auth_failed' }, true],
    ['done, verify failed', { state: 'done', verify: fail }, true],
    ['done, verified=false (older message)', { state: 'done', verified: false }, true],
    ['turn end, verify failed', { state: 'idle', reason: 'turn_end', verify: fail }, true],
    ['done, verified', { state: 'done', verify: pass }, false],
    ['done, no verify', { state: 'done', verify: { ran: false, exitCode: null } }, false],
    ['turn end, verified', { state: 'idle', reason: 'turn_end', verify: pass }, false],
    ['rate limited', { state: 'rate_limited', reason: 'usage limit' }, false],
    ['stalled', { state: 'stalled', reason: 'no_progress' }, false],
    ['vanished', { state: 'vanished' }, false],
    ['idle, verify failed is not a completion', { state: 'idle', verify: fail }, false],
  ];
  for (const [what, n, sound] of cases) assert.equal(wantsSound(n), sound, what);
});

test('a sound list of its own: states, reasons and verify_failed; empty is silent', () => {
  assert.equal(wantsSound({ state: 'rate_limited' }, ['rate_limited']), true);
  assert.equal(wantsSound({ state: 'waiting' }, ['rate_limited']), false);
  assert.equal(wantsSound({ state: 'idle', reason: 'turn_end', verify: pass }, ['turn_end']), true);
  assert.equal(wantsSound({ state: 'done', verify: fail }, ['done']), true, 'done covers every done');
  assert.equal(wantsSound({ state: 'done', verify: fail }, ['waiting']), false);
  assert.equal(wantsSound({ state: 'waiting' }, []), false);
  assert.ok(DEFAULT_SOUND_ON.includes('verify_failed'));
});

test('a digest rings when one of its changes would', () => {
  const quiet: SoundSource = { state: 'done', verify: pass };
  const loud: SoundSource = { state: 'done', verify: fail };
  assert.equal(wantsSound({ state: 'done', digest: { messages: [quiet, quiet] } }), false);
  assert.equal(wantsSound({ state: 'done', digest: { messages: [quiet, loud] } }), true);
});
