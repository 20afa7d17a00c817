// The scheduled resume where people look (issue 11), through the real CLI on a real tmux server: `ls`,
// `status` and `explain` say "paused until <local time> (in 1 h 50 m)", and the summary the bridge
// serves carries `recovery` for the tray and dashboard. The due time is an offset from now and the
// zone is the child's TZ, so the test depends on neither today's date nor the machine's zone.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkcellSummary } from '../../common/workcell.js';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import { CLI, FAKE_AGENT, leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { setPolicy } from './manual.js';
import { updateRecovery } from './record.js';
import { localTime } from '../../common/when.js';

let home: TestHome;
let engine: Engine;
beforeEach(() => {
  home = makeHome('wcs-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    env: { ...home.env, TZ: 'America/New_York', WORKCELL_DAEMON: 'off' },
    encoding: 'utf8',
  });

test('ls, status, explain and the summary say when a parked workcell resumes', async () => {
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const r = await engine.start({
    name: 'parked',
    repo,
    agent: 'command',
    args: [process.execPath, FAKE_AGENT, '--ask', 'limit reached', '--sleep', '60000'],
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.ok((await setPolicy(engine, 'parked', 'auto')).ok);
  await waitFor(
    async () => {
      const s = await engine.status('parked');
      return s.ok && s.value.pane && !s.value.pane.dead;
    },
    10_000,
    'live',
  );
  const resumeAt = new Date(Date.now() + 110 * 60_000 + 30_000).toISOString();
  await updateRecovery(home.dir, 'parked', (rec) => ({
    ...rec,
    limit: {
      kind: 'limit',
      state: 'scheduled',
      id: '1:0:x',
      pass: 1,
      vendor: 'command',
      resetAt: resumeAt,
      resetSource: 'parsed',
      dueAt: resumeAt,
      attempts: 0,
      window: resumeAt,
    },
  }));
  // The reset's local time in the child's zone, with a weekday when it is on another day than now there
  // (a fresh-clone run at 22:39 in New York printed "Tue 12:29 am": the test had assumed the same day).
  // Worked out before and after the call, so a midnight between the two cannot fail it either.
  const NY = 'America/New_York';
  const whenAt = () => localTime(Date.parse(resumeAt), { now: Date.now(), timeZone: NY });
  const whenBefore = whenAt();
  const ls = cli('ls');
  const whens = [whenBefore, whenAt()];
  assert.equal(ls.status, 0, ls.stderr);
  assert.ok(
    whens.some((when) => ls.stdout.includes(`paused until ${when} (in 1 h 50 m)`)),
    `${ls.stdout} (expected "paused until ${whens.join('" or "')} (in 1 h 50 m)")`,
  );
  assert.match(whenBefore, /^(?:[A-Z][a-z]{2} )?\d{1,2}:\d{2} [ap]m$/);
  const status = cli('status', 'parked');
  assert.match(status.stdout, /state {5}running, paused until/);
  const explain = cli('explain', 'parked');
  assert.match(
    explain.stdout,
    /recovery paused until .* \(attempt 1 of 2, a continue turn typed into the live agent;/,
  );
  // The hour and minute are New York's (the child's TZ): the clock reading Intl gives for that zone.
  const hhmm = new Intl.DateTimeFormat('en-US', { timeZone: NY, hour: 'numeric', minute: '2-digit' })
    .format(Date.parse(resumeAt))
    .replace(/\s?([AP])M$/, (_m, ap: string) => ` ${ap.toLowerCase()}m`);
  assert.ok(whenBefore.endsWith(hhmm), `${whenBefore} vs ${hhmm}`);
  const json = cli('ls', '--json');
  const [w] = JSON.parse(json.stdout) as WorkcellSummary[];
  assert.deepEqual(w?.recovery, {
    state: 'scheduled',
    resumeAt,
    attempt: 1,
    how: 'continue',
    resetSource: 'parsed',
  });
  // Cancelled: the field and the words go.
  assert.equal(cli('recover', 'parked', '--cancel').status, 0);
  const after = JSON.parse(cli('ls', '--json').stdout) as WorkcellSummary[];
  assert.equal(after[0]?.recovery, null);
  assert.doesNotMatch(cli('status', 'parked').stdout, /paused until/);
  assert.equal(cli('kill', 'parked').status, 0);
});
