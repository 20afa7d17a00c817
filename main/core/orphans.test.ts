// Agents that outlive their pane, session or tmux server (orphans): found by the process identity
// recorded at start, shown as `orphaned`, ended by kill and gc, never mistaken for a reused pid.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { identify, liveProcesses, readProcRecord, terminate, type ProcRecord } from './processes.js';
import { RUN_FILES } from './paths.js';
import { Tmux } from './tmux.js';
import { makeHome, waitFor, leakedProcesses, type TestHome } from './testing/fixture.js';

let home: TestHome;
let engine: Engine;
let repo: string;

beforeEach(() => {
  home = makeHome('wco-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

// An agent like gemini-cli: ignores SIGHUP. The home's path is in its argv so the fixture's leak
// check (processes whose command line names the home) sees it if it survives.
const IGNORES_HUP = `process.on('SIGHUP',()=>{});console.log('ready');setInterval(()=>{},1000)`;
const hupProof = () => [process.execPath, '-e', IGNORES_HUP, home.dir.root];

const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-S', home.dir.socket, ...args], { stdio: 'ignore' });

async function startReady(name: string, args = hupProof()): Promise<ProcRecord> {
  const r = await engine.start({ name, repo, agent: 'command', args });
  assert.ok(r.ok, JSON.stringify(r));
  // Ready = its SIGHUP handler is installed (it printed after installing it).
  await waitFor(
    async () => {
      const s = await engine.status(name);
      return s.ok && s.value.lastLine === 'ready';
    },
    10_000,
    `${name} to be ready`,
  );
  const rec = await readProcRecord(home.dir.runDir(name));
  assert.ok(rec && rec.startTime, 'proc.json records the pane pid and its start time');
  return rec;
}

async function stateOf(name: string) {
  const s = await engine.status(name);
  assert.ok(s.ok, JSON.stringify(s));
  return s.value;
}

test('a session closed by hand under an agent that ignores SIGHUP is orphaned; kill ends it', async () => {
  const rec = await startReady('o-closed');
  const pane = (await stateOf('o-closed')).pane;
  assert.equal(pane?.pid, rec.pid, 'the recorded pid is the pane pid');
  tmux('kill-session', '-t', '=o-closed');
  const live = await liveProcesses(rec);
  assert.ok(live.length >= 2, 'the wrapper and the agent live on');
  const w = await stateOf('o-closed');
  assert.equal(w.state, 'orphaned', JSON.stringify(w.evidence));
  for (const p of live) assert.match(w.evidence?.detail ?? '', new RegExp(`\\b${p.pid}\\b`));

  const r = await engine.reap('o-closed');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.status.state, 'killed');
  for (const p of live)
    assert.ok(
      r.value.ended.some((e) => e.pid === p.pid),
      `ended ${p.pid}`,
    );
  assert.deepEqual(await liveProcesses(rec), [], 'nothing of it runs');
  assert.equal((await stateOf('o-closed')).state, 'killed');
});

test('a killed tmux server under 3 agents that ignore SIGHUP: all orphaned, gc reaps them all', async () => {
  const names = ['s1', 's2', 's3'];
  const recs = [];
  for (const n of names) recs.push(await startReady(n));
  tmux('kill-server');
  for (const rec of recs) assert.ok((await liveProcesses(rec)).length > 0, 'the agents outlive the server');
  const list = await engine.list();
  assert.ok(list.ok);
  assert.deepEqual(
    list.value.map((w) => [w.name, w.state]),
    names.map((n) => [n, 'orphaned']),
  );

  const gc = await engine.gc({});
  assert.ok(gc.ok, JSON.stringify(gc));
  assert.deepEqual(
    gc.value.reaped.map((r) => r.name),
    names,
  );
  for (const r of gc.value.reaped) assert.ok(r.ended.length >= 2, `${r.name}: wrapper and agent ended`);
  // Before the fixture's own cleanup runs: nothing of the test is left under init.
  assert.deepEqual(await leakedProcesses(home), [], 'processes left under init');
  const after = await engine.list();
  assert.deepEqual(after.ok && after.value.map((w) => w.state), ['killed', 'killed', 'killed']);
});

test('a recorded pid reused by an unrelated process is not treated as ours', async () => {
  const r = await engine.start({
    name: 'reuse',
    repo,
    agent: 'command',
    args: [process.execPath, '-e', 'setInterval(()=>{},1000)'],
  });
  assert.ok(r.ok);
  const pane = await waitFor(async () => (await stateOf('reuse')).pane);
  process.kill(-pane.pid, 'SIGKILL'); // the workcell's processes are gone for good, no exit record
  tmux('kill-session', '-t', '=reuse');
  // An unrelated process, in its own session like a pane: it now holds "our" pid in this story.
  const other = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)', home.dir.root], {
    detached: true,
    stdio: 'ignore',
  });
  other.unref();
  try {
    const real = await identify(other.pid!);
    const procFile = join(home.dir.runDir('reuse'), RUN_FILES.proc);
    // Control: with its true start time the record would make the workcell orphaned...
    await fs.writeFile(procFile, JSON.stringify(real));
    assert.equal((await stateOf('reuse')).state, 'orphaned');
    // ...but the recorded start time is another process's: the pid was reused.
    await fs.writeFile(procFile, JSON.stringify({ ...real, startTime: `${real.startTime}7` }));
    assert.equal((await stateOf('reuse')).state, 'vanished');
    const k = await engine.kill('reuse');
    assert.equal(!k.ok && k.error.code, 'STILL_RUNNING');
    const gc = await engine.gc({});
    assert.deepEqual(gc.ok && gc.value.reaped, []);
    assert.equal((await liveProcesses(real)).length, 1, 'the unrelated process was not touched');
  } finally {
    other.kill('SIGKILL');
  }
});

test('gc --remove keeps the run dir of a live orphan and of an ended one whose child still runs', async () => {
  await startReady('keep-orphan');
  tmux('kill-session', '-t', '=keep-orphan');
  // Exits 0 once its child is up, leaving behind that child, which ignores SIGHUP (a dev server).
  const marker = join(home.dir.root, 'child-ready');
  const child = `process.on('SIGHUP',()=>{});require('fs').writeFileSync(${JSON.stringify(marker)},'');setInterval(()=>{},1000)`;
  const leaver = `require('child_process').spawn(process.execPath,['-e',${JSON.stringify(child)},${JSON.stringify(home.dir.root)}],{stdio:'ignore'}).unref();const t=setInterval(()=>{if(require('fs').existsSync(${JSON.stringify(marker)}))clearInterval(t)},20)`;
  const r = await engine.start({
    name: 'keep-done',
    repo,
    agent: 'command',
    args: [process.execPath, '-e', leaver, home.dir.root],
  });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(
    async () => {
      const w = await stateOf('keep-done');
      return w.state === 'done' && w.pane?.dead;
    },
    15_000,
    'keep-done to end with its pane dead',
  );
  const leftRec = (await readProcRecord(home.dir.runDir('keep-done')))!;
  const left = await liveProcesses(leftRec);
  assert.equal(left.length, 1, 'its child still runs');
  try {
    const gc = await engine.gc({ remove: true });
    assert.ok(gc.ok, JSON.stringify(gc));
    assert.deepEqual(
      gc.value.reaped.map((r) => r.name),
      ['keep-orphan'],
    );
    assert.deepEqual(gc.value.keptLive, [{ name: 'keep-done', pids: [left[0]!.pid] }]);
    assert.deepEqual(gc.value.removed, []);
    assert.ok(existsSync(home.dir.runDir('keep-orphan')), 'the orphan run dir is kept');
    assert.ok(existsSync(home.dir.runDir('keep-done')), 'a run dir whose processes live is kept');
  } finally {
    await terminate(leftRec, { graceMs: 500 }); // the leftover child is ours to end: no wrapper leads it
  }
  const again = await engine.gc({ remove: true });
  assert.deepEqual(again.ok && again.value.removed, ['keep-done', 'keep-orphan']);
});
