import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, BACKOFF } from './backoff.js';
import { ManualClock } from './testing/manualClock.js';

test('delays double from 250 ms and stop at 30 s', () => {
  const b = new Backoff({ clock: new ManualClock() });
  const table: [attempt: number, delayMs: number][] = [
    [1, 250],
    [2, 500],
    [3, 1_000],
    [4, 2_000],
    [5, 4_000],
    [6, 8_000],
    [7, 16_000],
    [8, 30_000],
    [9, 30_000],
    [50, 30_000],
    [2_000, 30_000], // 2 ** 2000 is Infinity: still the cap, never NaN
  ];
  let attempt = 0;
  for (const [n, want] of table) {
    let got = 0;
    while (attempt < n) {
      got = b.next();
      attempt += 1;
    }
    assert.equal(got, want, `attempt ${n}`);
  }
  assert.equal(BACKOFF.maxMs, 30_000);
});

test('a success resets the delay to the first one', () => {
  const b = new Backoff({ clock: new ManualClock() });
  for (let i = 0; i < 6; i++) b.next();
  assert.equal(b.attempts, 6);
  b.reset();
  assert.equal(b.attempts, 0);
  assert.deepEqual([b.next(), b.next()], [250, 500]);
});

test('schedule runs after the delay on the injected clock, one retry pending at a time', () => {
  const clock = new ManualClock();
  const b = new Backoff({ clock });
  let runs = 0;
  assert.equal(
    b.schedule(() => runs++),
    250,
  );
  // A second failure report for the same outage replaces the pending retry instead of adding one.
  assert.equal(
    b.schedule(() => runs++),
    500,
  );
  assert.equal(clock.pending, 1);
  clock.advance(499);
  assert.equal(runs, 0);
  clock.advance(1);
  assert.equal(runs, 1);
  assert.equal(clock.pending, 0);
});

test('cancel drops the pending retry', () => {
  const clock = new ManualClock();
  const b = new Backoff({ clock, initialMs: 10, maxMs: 40 });
  let runs = 0;
  b.schedule(() => runs++);
  b.cancel();
  clock.advance(60_000);
  assert.equal(runs, 0);
  assert.deepEqual([b.next(), b.next(), b.next()], [20, 40, 40]);
});
