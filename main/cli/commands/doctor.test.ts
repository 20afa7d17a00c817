// `workcell doctor` as a user runs it (real process, temp WORKCELLS_HOME, private tmux socket): a broken
// settings.json is a problem with its fix, exit 1; a BOM is fine.
import { test, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { makeHome, CLI, type TestHome } from '../../core/testing/fixture.js';

let home: TestHome;
beforeEach(() => (home = makeHome('wc-doc-')));
afterEach(() => home.cleanup());

function doctor(json: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI, 'doctor', ...(json ? ['--json'] : [])],
      { env: home.env, encoding: 'utf8' },
      (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
    ),
  );
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}
const settingsCheck = async () => {
  const r = await doctor(true);
  const checks = JSON.parse(r.stdout).checks as Check[];
  return { code: r.code, check: checks.find((c) => c.name === 'settings')!, others: checks };
};

test('doctor: settings.json absent or with a BOM is ok', async () => {
  let r = await settingsCheck();
  assert.deepEqual(r.check, {
    name: 'settings',
    ok: true,
    detail: `${home.dir.settings} absent: defaults apply`,
  });
  assert.equal(r.code, 0, JSON.stringify(r.others));

  writeFileSync(home.dir.settings, '\ufeff{\n  "launchAtLogin": true\n}\n');
  r = await settingsCheck();
  assert.deepEqual(r.check, { name: 'settings', ok: true, detail: `${home.dir.settings} is valid` });
  assert.equal(r.code, 0);
});

test('doctor: a trailing comma is a FAIL naming line, column and the fix', async () => {
  writeFileSync(home.dir.settings, '{\n  "notifiers": [\n    { "type": "desktop" },\n  ]\n}\n');
  const r = await doctor(false);
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /FAIL {2}settings {5}\S+settings\.json: invalid JSON at line 3, column 26: trailing ',' before ']': delete it/,
  );
  assert.match(
    r.stdout,
    /\n {6}fix: fix the file and save; a running supervisor picks it up without a restart/,
  );
});

test('doctor: a wrong type is a FAIL naming the field', async () => {
  writeFileSync(home.dir.settings, JSON.stringify({ thresholds: { idleSeconds: 'soon' } }));
  const r = await settingsCheck();
  assert.equal(r.code, 1);
  assert.equal(r.check.ok, false);
  assert.match(r.check.detail, /settings\.json: invalid settings: thresholds\.idleSeconds: /);
  assert.ok(r.check.fix);
});
