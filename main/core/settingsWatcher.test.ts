// SettingsWatcher against the real file system (fs.watch on a temp control dir) with a manual clock: the
// test waits (polls) for the real fs event to arm the debounce, then moves the clock past it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultSettings } from '../common/settings.js';
import { ControlDir } from './paths.js';
import {
  KEEP_DEFAULTS,
  KEEP_LAST_GOOD,
  SETTINGS_WATCH,
  SettingsWatcher,
  type SettingsChange,
} from './settingsWatcher.js';
import { READER_FIX, settingsCheckPath, settingsProblem } from './settingsProblem.js';
import { ManualClock } from './testing/manualClock.js';
import { waitFor } from './testing/fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const good = (idleSeconds: number) => `${JSON.stringify({ thresholds: { idleSeconds } }, null, 2)}\n`;
// The comma after 9 is the error: line 3, column 21.
const TRAILING_COMMA = '{\n  "thresholds": {\n    "idleSeconds": 9,\n  }\n}\n';

function setup(opts: { initial?: string; createDir?: boolean } = {}) {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'wc-sw-')));
  const dir = new ControlDir(join(parent, 'home'));
  if (opts.createDir !== false) mkdirSync(dir.root, { mode: 0o700 });
  if (opts.initial !== undefined) writeFileSync(dir.settings, opts.initial);
  const clock = new ManualClock();
  const watcher = new SettingsWatcher({ dir, clock });
  const events: SettingsChange[] = [];
  watcher.onDidChange((e) => events.push(e));
  /** Waits for the real fs event (it arms the debounce), then lets the debounce run. */
  const settle = async (what: string) => {
    await waitFor(() => clock.pending > 0, 5_000, `an fs event after ${what}`);
    clock.advance(SETTINGS_WATCH.debounceMs);
  };
  const cleanup = async () => {
    watcher.dispose();
    await watcher.settled();
    rmSync(parent, { recursive: true, force: true });
  };
  return { dir, clock, watcher, events, settle, cleanup };
}

/** Writes like an editor's atomic save: a new file renamed over the old one. */
function saveByRename(path: string, text: string) {
  writeFileSync(`${path}.tmp~`, text);
  renameSync(`${path}.tmp~`, path);
}

test('a trailing comma keeps the last good settings; a fix by rename and by in-place write is picked up', async () => {
  const t = setup({ initial: good(7) });
  try {
    assert.equal(t.watcher.current().thresholds.idleSeconds, 7);
    assert.equal(t.watcher.problem(), null);

    writeFileSync(t.dir.settings, TRAILING_COMMA);
    await t.settle('breaking the file');
    assert.equal(t.watcher.current().thresholds.idleSeconds, 7, 'the last good settings stay in use');
    const p = t.watcher.problem();
    assert.ok(p, 'the problem is reported');
    assert.equal(
      p.detail,
      `${t.dir.settings}: invalid JSON at line 3, column 21: trailing ',' before '}': delete it (JSON allows no trailing comma)`,
    );
    assert.equal(p.fix, KEEP_LAST_GOOD);
    assert.equal(p.message, `${p.detail}; ${KEEP_LAST_GOOD}`);
    assert.equal(p.at, new Date(t.clock.now()).toISOString(), 'at comes from the injected clock');
    assert.deepEqual(
      t.events.map((e) => [e.kind, e.settings.thresholds.idleSeconds, e.problem?.detail ?? null]),
      [['broken', 7, p.detail]],
    );

    // Other processes see it: the verdict is on disk, and a reader trusts it while the file is unchanged.
    await t.watcher.settled();
    const verdict = JSON.parse(readFileSync(settingsCheckPath(t.dir), 'utf8'));
    assert.deepEqual(verdict.problem, p);
    assert.deepEqual(
      await settingsProblem(t.dir),
      p,
      'the trusted verdict (its `at` is the clock, not mtime)',
    );

    saveByRename(t.dir.settings, good(11));
    await t.settle('a fix saved by rename');
    assert.equal(t.watcher.problem(), null);
    assert.equal(t.watcher.current().thresholds.idleSeconds, 11);
    assert.deepEqual(t.events.at(-1), { kind: 'fixed', settings: t.watcher.current(), problem: null });
    await t.watcher.settled();
    assert.equal(await settingsProblem(t.dir), null);

    // Broken again, then fixed by an in-place write (truncate + write, as `echo >` or some editors do).
    saveByRename(t.dir.settings, '{ "launchAtLogin": "yes" }');
    await t.settle('a wrong type');
    assert.match(t.watcher.problem()?.detail ?? '', /invalid settings: launchAtLogin: /);
    assert.equal(t.watcher.current().thresholds.idleSeconds, 11);
    writeFileSync(t.dir.settings, good(12));
    await t.settle('a fix written in place');
    assert.equal(t.watcher.current().thresholds.idleSeconds, 12);
    assert.equal(t.watcher.problem(), null);
    assert.deepEqual(
      t.events.map((e) => e.kind),
      ['broken', 'fixed', 'broken', 'fixed'],
    );

    // A valid edit is a 'changed'; saving the same settings again is no event at all.
    writeFileSync(t.dir.settings, good(13));
    await t.settle('a valid edit');
    writeFileSync(t.dir.settings, good(13));
    await t.settle('the same content again');
    assert.deepEqual(
      t.events.slice(4).map((e) => [e.kind, e.settings.thresholds.idleSeconds]),
      [['changed', 13]],
    );
  } finally {
    await t.cleanup();
  }
});

test('a deleted file means defaults (what every other process and a restart would read)', async () => {
  const t = setup({ initial: good(7) });
  try {
    rmSync(t.dir.settings);
    await t.settle('deleting the file');
    assert.deepEqual(t.watcher.current(), defaultSettings());
    assert.deepEqual(
      t.events.map((e) => e.kind),
      ['changed'],
    );
    await t.watcher.settled();
    assert.equal(await settingsProblem(t.dir), null);
    assert.throws(() => readFileSync(settingsCheckPath(t.dir)), /ENOENT/, 'no verdict for an absent file');

    // Broken, then deleted: the problem goes away with the file.
    writeFileSync(t.dir.settings, TRAILING_COMMA);
    await t.settle('breaking it');
    rmSync(t.dir.settings);
    await t.settle('deleting the broken file');
    assert.equal(t.watcher.problem(), null);
    assert.deepEqual(t.events.at(-1)?.kind, 'fixed');
  } finally {
    await t.cleanup();
  }
});

test('a file that never parsed: defaults, and the fix says so; a BOM parses', async () => {
  const t = setup({ initial: TRAILING_COMMA });
  try {
    assert.deepEqual(t.watcher.current(), defaultSettings());
    assert.equal(t.watcher.problem()?.fix, KEEP_DEFAULTS);
    assert.equal(t.events.length, 0, 'the first read is the starting state, not an event');

    writeFileSync(t.dir.settings, `\ufeff${good(5)}`);
    await t.settle('a fix with a BOM');
    assert.equal(t.watcher.problem(), null);
    assert.equal(t.watcher.current().thresholds.idleSeconds, 5);
    assert.deepEqual(
      t.events.map((e) => e.kind),
      ['fixed'],
    );
  } finally {
    await t.cleanup();
  }
});

test('the control dir missing at start, then removed under the watcher: no crash, picked up again', async () => {
  const t = setup({ createDir: false });
  try {
    assert.deepEqual(t.watcher.current(), defaultSettings());
    assert.equal(t.clock.pending, 1, 'a poll looks for the directory');
    mkdirSync(t.dir.root, { mode: 0o700 });
    writeFileSync(t.dir.settings, good(3));
    t.clock.advance(SETTINGS_WATCH.dirPollMs);
    assert.equal(t.watcher.current().thresholds.idleSeconds, 3, 'read as soon as the directory appears');

    writeFileSync(t.dir.settings, TRAILING_COMMA);
    await t.settle('breaking it in the new directory');
    assert.ok(t.watcher.problem(), 'the new directory is watched');

    await t.watcher.settled();
    rmSync(t.dir.root, { recursive: true });
    await t.settle('removing the directory');
    assert.deepEqual(t.watcher.current(), defaultSettings());
    assert.equal(t.watcher.problem(), null);
    assert.equal(t.clock.pending, 1, 'polling for the directory again');
    t.clock.advance(SETTINGS_WATCH.dirPollMs * 3);

    mkdirSync(t.dir.root, { mode: 0o700 });
    saveByRename(t.dir.settings, good(4));
    t.clock.advance(SETTINGS_WATCH.dirPollMs);
    assert.equal(t.watcher.current().thresholds.idleSeconds, 4);
    writeFileSync(t.dir.settings, good(6));
    await t.settle('an edit in the recreated directory');
    assert.equal(t.watcher.current().thresholds.idleSeconds, 6);

    // Removed and recreated within one debounce: the old watch is dead, a new one must be set up.
    await t.watcher.settled();
    rmSync(t.dir.root, { recursive: true });
    mkdirSync(t.dir.root, { mode: 0o700 });
    writeFileSync(t.dir.settings, good(8));
    await t.settle('removing and recreating the directory');
    assert.equal(t.watcher.current().thresholds.idleSeconds, 8);
    writeFileSync(t.dir.settings, good(9));
    await t.settle('an edit after the quick recreate');
    assert.equal(t.watcher.current().thresholds.idleSeconds, 9);
  } finally {
    await t.cleanup();
  }
});

test('a reader without a watcher validates the file itself, and does not trust a stale verdict', async () => {
  const t = setup({ initial: TRAILING_COMMA });
  try {
    await t.watcher.settled();
    t.watcher.dispose();
    // Changed while no watcher ran: the verdict's stamp no longer matches, so it is not trusted.
    writeFileSync(t.dir.settings, good(2));
    assert.equal(await settingsProblem(t.dir), null);
    writeFileSync(t.dir.settings, '{ "muted": ["Bad Name"] }');
    const p = await settingsProblem(t.dir, { trustVerdict: false });
    assert.ok(p);
    assert.match(p.detail, /invalid settings: muted\[0\]: expected a workcell name/);
    assert.equal(p.fix, READER_FIX);
  } finally {
    await t.cleanup();
  }
});

test('dispose() leaves no fs watcher and no timer behind', async () => {
  const watchers = () => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
  const before = watchers();
  const t = setup({ initial: good(1) });
  try {
    assert.equal(watchers(), before + 1);
    writeFileSync(t.dir.settings, good(2));
    await waitFor(() => t.clock.pending > 0, 5_000, 'a pending debounce');
    t.watcher.dispose();
    assert.equal(watchers(), before, 'the fs watcher is closed');
    assert.equal(t.clock.pending, 0, 'the debounce is cancelled');
    t.watcher.dispose(); // twice is harmless
  } finally {
    await t.cleanup();
  }

  // And with the real clock, in a process of its own: it exits by itself once disposed.
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'wc-sw-exit-')));
  try {
    const url = (f: string) => JSON.stringify(pathToFileURL(join(here, f)).href);
    const script = `
      import { writeFileSync } from 'node:fs';
      import { SettingsWatcher } from ${url('settingsWatcher.js')};
      import { ControlDir } from ${url('paths.js')};
      const dir = new ControlDir(${JSON.stringify(root)});
      const w = new SettingsWatcher({ dir });
      writeFileSync(dir.settings, '{}');
      await new Promise((r) => setImmediate(r));
      w.dispose();
      await w.settled();
      process.stdout.write('disposed');
    `;
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { timeout: 10_000, encoding: 'utf8' },
        (e, stdout) => resolve({ code: e ? (child.exitCode ?? -1) : 0, out: stdout }),
      );
    });
    assert.deepEqual(r, { code: 0, out: 'disposed' }, 'the process exits once the watcher is disposed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a reader may record a valid file, so the next one skips the schema; never a broken one', async () => {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'wc-sp-')));
  const dir = new ControlDir(parent);
  try {
    writeFileSync(dir.settings, good(4));
    assert.equal(await settingsProblem(dir, { cacheValid: true }), null);
    const verdict = JSON.parse(readFileSync(settingsCheckPath(dir), 'utf8'));
    assert.equal(verdict.problem, null);
    assert.equal(verdict.stamp.size, good(4).length);

    writeFileSync(dir.settings, '{ "launchAtLogin": 1 }');
    assert.ok(await settingsProblem(dir, { cacheValid: true }), 'the stale valid verdict is not trusted');
    assert.deepEqual(
      JSON.parse(readFileSync(settingsCheckPath(dir), 'utf8')),
      verdict,
      'a broken one is not recorded',
    );
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
