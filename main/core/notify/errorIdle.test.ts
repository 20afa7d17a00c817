// Issue 9, class 6: an idle agent that stopped on an error (a 529 or a refused connection above its
// prompt) is told by default, and said as such; a plain idle is not told by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_NOTIFY_ON, notifyMatches, type StateChange } from '../../common/notify.js';
import { parseSettings } from '../settings.js';
import { formatMessage } from './format.js';

const change = (over: Partial<StateChange>): StateChange => ({
  id: 'x',
  name: 'fix-tests',
  state: 'idle',
  from: 'running',
  at: '2026-11-30T14:00:00.000Z',
  ...over,
});

test('the default subscription tells an idle that stopped on an error, not a plain idle', () => {
  assert.equal(notifyMatches(DEFAULT_NOTIFY_ON, change({ reason: 'api_error' })), true);
  assert.equal(notifyMatches(DEFAULT_NOTIFY_ON, change({ reason: 'network' })), true);
  assert.equal(notifyMatches(DEFAULT_NOTIFY_ON, change({})), false);
  assert.equal(notifyMatches(DEFAULT_NOTIFY_ON, change({ reason: 'turn_end' })), true);
  assert.equal(notifyMatches(['waiting'], change({ reason: 'api_error' })), false, 'a user list is kept');
});

test('the headline says the agent stopped on an error; a throttle is not called a usage limit', () => {
  assert.equal(formatMessage(change({ reason: 'api_error' })).title, 'fix-tests stopped on an API error');
  assert.equal(formatMessage(change({ reason: 'network' })).title, 'fix-tests cannot reach its API');
  const throttled = formatMessage(
    change({ state: 'rate_limited', reason: 'throttled', resetAt: '2026-11-30T14:00:30.000Z' }),
  );
  assert.equal(throttled.title, 'fix-tests is throttled by its API');
  assert.doesNotMatch(throttled.body, /usage limit/i);
});

test('settings accept the error reasons in a notifier list', () => {
  const r = parseSettings({ notifiers: [{ type: 'desktop', on: ['api_error', 'network', 'throttled'] }] });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(parseSettings({ notifiers: [{ type: 'desktop', on: ['api_eror'] }] }).ok, false);
});
