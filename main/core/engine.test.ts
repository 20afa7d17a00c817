import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, existsSync, statSync, writeFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { Tmux, type Executor, execFileExecutor } from './tmux.js';
import {
  makeHome,
  waitFor,
  FAKE_AGENT,
  liveSessions,
  leakedProcesses,
  killOrphans,
  type TestHome,
} from './testing/fixture.js';

let home: TestHome;
let engine: Engine;
let repo: string;

function git(cwd: string, ...args: string[]) {
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });
}

beforeEach(() => {
  home = makeHome();
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  git(repo, 'init', '-q');
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'init');
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

const fake = (...args: string[]) => [process.execPath, FAKE_AGENT, ...args];

/** The finisher has exited too (the pane stays, dead): gc and resume leave a live pane alone. */
async function deadPane(name: string) {
  return waitFor(
    async () => {
      const st = await engine.status(name);
      return st.ok && st.value.pane?.dead;
    },
    10_000,
    `${name}'s pane to die`,
  );
}

async function ended(name: string) {
  return waitFor(
    async () => {
      const r = await engine.status(name);
      return r.ok && ['done', 'failed', 'killed', 'vanished'].includes(r.value.state) && r.value.endedAt
        ? r.value
        : null;
    },
    15_000,
    `${name} to end`,
  );
}

describe('start and the exit record', () => {
  test('a clean exit is done, with every artifact, exit written from inside tmux', async () => {
    const r = await engine.start({
      name: 'ok-1',
      repo,
      agent: 'command',
      objective: 'say hi',
      args: fake('--print', 'first-byte', '--exit', '0'),
    });
    assert.ok(r.ok, JSON.stringify(r));
    const w = await ended('ok-1');
    assert.equal(w.state, 'done');
    assert.equal(w.exitCode, 0);
    const dir = home.dir.runDir('ok-1');
    for (const f of ['brief.md', 'status.json', 'events.jsonl', 'agent.log', 'exit.json'])
      assert.ok(existsSync(join(dir, f)), f);
    assert.equal(statSync(join(dir, 'brief.md')).mode & 0o777, 0o600);
    assert.equal(statSync(home.dir.root).mode & 0o777, 0o700);
    assert.match(await fs.readFile(join(dir, 'agent.log'), 'utf8'), /first-byte/);
    await waitFor(() => existsSync(join(dir, 'handoff.md')), 5_000, 'handoff');
    const events = (await fs.readFile(join(dir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; state?: string; from?: string });
    const steps = events.filter((e) => e.type !== 'state').map((e) => e.type);
    assert.deepEqual(steps.slice(0, 3), ['created', 'started', 'exited']);
    // Every state change is on the timeline once, from the one state path, with where it came from.
    const states = events.filter((e) => e.type === 'state').map((e) => `${e.from}->${e.state}`);
    assert.deepEqual(states, ['starting->running', 'running->done']);
  });

  test('a non-zero exit is failed with its code; verify is recorded separately', async () => {
    await engine.start({ name: 'bad-1', repo, agent: 'command', verify: 'true', args: fake('--exit', '3') });
    const w = await ended('bad-1');
    assert.equal(w.state, 'failed');
    assert.equal(w.exitCode, 3);
  });

  test('done but verify fails: claimed done, not verified', async () => {
    await engine.start({
      name: 'claim',
      repo,
      agent: 'command',
      verify: 'echo checking; exit 4',
      args: fake('--exit', '0'),
    });
    const w = await waitFor(async () => {
      const r = await engine.status('claim');
      return r.ok && r.value.verify.ran ? r.value : null;
    });
    assert.equal(w.state, 'done');
    assert.equal(w.verify.exitCode, 4);
    assert.equal(w.verified, false);
    assert.match(w.verify.outputTail ?? '', /checking/);
  });

  test('settings verifyAt "turn": the exit runs no verify.sh; the run still finishes', async () => {
    writeFileSync(home.dir.settings, JSON.stringify({ verifyAt: 'turn' }));
    try {
      await engine.start({
        name: 'turnonly',
        repo,
        agent: 'command',
        verify: 'exit 4',
        args: fake('--exit', '0'),
      });
      await waitFor(
        async () => (await engine.store.readEvents('turnonly')).some((e) => e.type === 'finished'),
        15_000,
        'finished',
      );
      const w = await engine.status('turnonly');
      assert.ok(w.ok);
      assert.equal(w.value.state, 'done');
      assert.equal(w.value.verify.ran, false);
    } finally {
      rmSync(home.dir.settings, { force: true });
    }
  });

  test('done and verify passes: verified, git summary recorded', async () => {
    const script = `require('fs').writeFileSync('new.txt','x');require('child_process').execFileSync('git',['-c','user.email=a@b','-c','user.name=a','add','.']);require('child_process').execFileSync('git',['-c','user.email=a@b','-c','user.name=a','commit','-qm','work'])`;
    await engine.start({
      name: 'ver',
      repo,
      agent: 'command',
      verify: 'test -f new.txt',
      args: [process.execPath, '-e', script],
    });
    await waitFor(async () => {
      const s = await engine.store.readStatus('ver');
      return s?.git.headAtEnd ? s : null;
    });
    const s = (await engine.store.readStatus('ver'))!;
    assert.equal(s.state, 'done');
    assert.equal(s.verify.exitCode, 0);
    assert.equal(s.git.commits, 1);
    assert.equal(s.git.dirty, false);
    assert.match(s.git.diffStat ?? '', /new\.txt/);
    assert.notEqual(s.git.headAtStart, s.git.headAtEnd);
  });

  test('an agent that exits at once still leaves its output in agent.log', async () => {
    await engine.start({ name: 'fast', repo, agent: 'command', args: ['/bin/echo', 'instant-output'] });
    await ended('fast');
    // Not lost, though it may land a moment after the exit: pipe-pane's `cat` may still be draining.
    await waitFor(
      async () =>
        /instant-output/.test(await fs.readFile(join(home.dir.runDir('fast'), 'agent.log'), 'utf8')),
      5_000,
      'instant-output in agent.log',
    );
  });
});

describe('bad input', () => {
  for (const name of ['', 'A', '-x', '_x', 'a.b', 'a:b', 'a#b', 'a b', 'x'.repeat(49), 'é']) {
    test(`name ${JSON.stringify(name)} is refused and nothing is created`, async () => {
      const r = await engine.start({ name, repo, agent: 'command', args: ['true'] });
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.error.code, 'BAD_NAME');
      assert.ok(!existsSync(home.dir.runs) || (await fs.readdir(home.dir.runs)).length === 0);
    });
  }

  test('a repo that does not exist, or is a file', async () => {
    const r1 = await engine.start({ name: 'r1', repo: join(repo, 'nope'), agent: 'command', args: ['true'] });
    assert.equal(!r1.ok && r1.error.code, 'BAD_REPO');
    writeFileSync(join(repo, 'file'), '');
    const r2 = await engine.start({ name: 'r2', repo: join(repo, 'file'), agent: 'command', args: ['true'] });
    assert.equal(!r2.ok && r2.error.code, 'BAD_REPO');
    assert.match(!r2.ok ? r2.error.message : '', /not a directory/);
  });

  test('a repo that is not git is allowed, git fields empty', async () => {
    const plain = join(home.dir.root, 'plain');
    mkdirSync(plain);
    await engine.start({ name: 'plain', repo: plain, agent: 'command', args: fake('--exit', '0') });
    await ended('plain');
    const s = await waitFor(async () =>
      (await engine.store.readEvents('plain')).some((e) => e.type === 'finished')
        ? engine.store.readStatus('plain')
        : null,
    );
    assert.equal(s.git.headAtStart, null);
    assert.equal(s.git.commits, null);
  });

  test('quotes, newlines, $(), backticks, #(), #{} and a trailing ; execute nothing and arrive exactly', async () => {
    const marker = join(home.dir.root, 'pwned');
    const evil = `it's "q" $(touch ${marker}) \`touch ${marker}\` #(touch ${marker}) #{session_name} ;\nline2;`;
    const argEvil = [`$(touch ${marker})`, '`id`', '#(id)', '#{pane_id}', 'end;', ';', 'a\\;'];
    const r = await engine.start({
      name: 'evil',
      repo,
      agent: 'command',
      objective: evil,
      args: fake('--echo-args', ...argEvil),
    });
    assert.ok(r.ok, JSON.stringify(r));
    await ended('evil');
    const brief = await fs.readFile(join(home.dir.runDir('evil'), 'brief.md'), 'utf8');
    assert.ok(brief.includes(evil), 'brief holds the exact text');
    const log = await fs.readFile(join(home.dir.runDir('evil'), 'agent.log'), 'utf8');
    for (const a of argEvil) assert.ok(log.includes(`[${a}]`), `argv element ${a} arrived intact`);
    assert.equal(existsSync(marker), false, 'nothing executed');
  });

  test('a missing agent executable: clear error, nothing half-created', async () => {
    const r = await engine.start({ name: 'miss', repo, agent: 'command', args: ['no-such-program-xyz'] });
    assert.equal(!r.ok && r.error.code, 'AGENT_MISSING');
    const savedPath = process.env.PATH;
    // Only tmux on PATH: no vendor CLI, whatever this machine has installed.
    const bin = join(home.dir.root, 'only-tmux');
    mkdirSync(bin);
    symlinkSync(
      execFileSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).trim(),
      join(bin, 'tmux'),
    );
    process.env.PATH = bin;
    try {
      const r2 = await engine.start({ name: 'miss2', repo, agent: 'claude', args: [] });
      assert.equal(!r2.ok && r2.error.code, 'AGENT_MISSING');
      assert.match(!r2.ok ? r2.error.message : '', /npm install -g @anthropic-ai\/claude-code/);
    } finally {
      process.env.PATH = savedPath;
    }
    assert.equal(existsSync(home.dir.runDir('miss')), false);
    assert.deepEqual(liveSessions(home), []);
  });

  test('an unknown agent and a command agent without a program', async () => {
    const r = await engine.start({ name: 'x1', repo, agent: 'gpt9', args: [] });
    assert.equal(!r.ok && r.error.code, 'BAD_AGENT');
    const r2 = await engine.start({ name: 'x2', repo, agent: 'command', args: [] });
    assert.equal(!r2.ok && r2.error.code, 'BAD_ARGS');
  });

  test('a run directory that cannot be written', async () => {
    mkdirSync(home.dir.root, { recursive: true });
    writeFileSync(home.dir.runs, 'not a directory');
    const r = await engine.start({ name: 'nw', repo, agent: 'command', args: ['true'] });
    assert.equal(!r.ok && r.error.code, 'NOT_WRITABLE');
    assert.match(!r.ok ? r.error.message : '', /writable|disk/);
  });

  test('a name in use is refused and the first workcell is untouched', async () => {
    await engine.start({
      name: 'dup',
      repo,
      agent: 'command',
      objective: 'first',
      args: fake('--sleep', '5000'),
    });
    const r = await engine.start({
      name: 'dup',
      repo,
      agent: 'command',
      objective: 'second',
      args: ['true'],
    });
    assert.equal(!r.ok && r.error.code, 'NAME_IN_USE');
    assert.match(await fs.readFile(join(home.dir.runDir('dup'), 'brief.md'), 'utf8'), /first/);
    await engine.kill('dup');
  });

  test('tmux missing: every command says how to install it', async () => {
    const e = new Engine(
      home.dir,
      new Tmux(home.dir.socket, home.dir.tmuxConf, execFileExecutor, 'tmux-not-installed-here'),
    );
    const r = await e.start({ name: 'tm', repo, agent: 'command', args: ['true'] });
    assert.equal(!r.ok && r.error.code, 'TMUX_MISSING');
    assert.match(!r.ok ? r.error.message : '', /apt install tmux/);
    const l = await e.list();
    assert.equal(!l.ok && l.error.code, 'TMUX_MISSING');
  });
});

describe('list, peek, kill, gc, vanished', () => {
  test('ls reads every pane with ONE tmux call', async () => {
    for (const n of ['l1', 'l2', 'l3'])
      await engine.start({
        name: n,
        repo,
        agent: 'command',
        // Long enough to outlast three starts on a loaded machine (5 s did not, once); killed below.
        args: fake('--print', `hi-${n}`, '--sleep', '60000'),
      });
    let calls = 0;
    const counting: Executor = (f, a, o) => ((calls += 1), execFileExecutor(f, a, o));
    const e = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf, counting));
    const list = await waitFor(async () => {
      calls = 0;
      const r = await e.list();
      return r.ok && r.value.every((w) => w.lastLine.startsWith('hi-')) ? r.value : null;
    });
    assert.equal(calls, 1);
    assert.deepEqual(
      list.map((w) => [w.name, w.state, w.lastLine]),
      [
        ['l1', 'running', 'hi-l1'],
        ['l2', 'running', 'hi-l2'],
        ['l3', 'running', 'hi-l3'],
      ],
    );
    for (const n of ['l1', 'l2', 'l3']) await engine.kill(n);
  });

  test('peek shows the screen and the last N lines without attaching', async () => {
    await engine.start({
      name: 'pk',
      repo,
      agent: 'command',
      args: fake('--print', 'alpha', '--print', 'beta', '--print', 'gamma', '--sleep', '5000'),
    });
    const screen = await waitFor(async () => {
      const r = await engine.peek('pk');
      return r.ok && r.value.includes('gamma') ? r.value : null;
    });
    assert.match(screen, /alpha\nbeta\ngamma/);
    const last = await engine.peek('pk', { lines: 2 });
    assert.ok(last.ok);
    assert.equal(last.ok && last.value.trim().split('\n').length <= 2, true);
    const clients = execFileSync('tmux', ['-S', home.dir.socket, 'list-clients'], { encoding: 'utf8' });
    assert.equal(clients.trim(), '', 'peek attached no client');
    await engine.kill('pk');
  });

  test('kill stops the agent and its children, records killed, keeps artifacts', async () => {
    const childScript = `require('child_process').spawn(process.execPath,['-e','setTimeout(()=>{},60000)'],{stdio:'ignore'});setTimeout(()=>{},60000)`;
    await engine.start({ name: 'kk', repo, agent: 'command', args: [process.execPath, '-e', childScript] });
    const pane = await waitFor(async () => {
      const r = await engine.status('kk');
      return r.ok && r.value.pane ? r.value.pane : null;
    });
    const r = await engine.kill('kk');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.ok && r.value.state, 'killed');
    // The agent and its child are gone (a zombie may linger a moment until it is reaped).
    await waitFor(
      () => {
        try {
          process.kill(-pane.pid, 0);
          return false;
        } catch {
          return true; // ESRCH: the whole group is gone
        }
      },
      5_000,
      'the process group to be gone',
    );
    assert.ok(existsSync(join(home.dir.runDir('kk'), 'brief.md')));
    const s = await engine.status('kk');
    assert.equal(s.ok && s.value.state, 'killed');
    const again = await engine.kill('kk');
    assert.equal(again.ok, false);
  });

  test('a session gone without an exit record is vanished, not running', async () => {
    await engine.start({ name: 'gone', repo, agent: 'command', args: fake('--sleep', '20000') });
    const pane = await waitFor(async () => {
      const r = await engine.status('gone');
      return r.ok && r.value.pane ? r.value.pane : null;
    });
    process.kill(-pane.pid, 'SIGKILL'); // the wrapper dies too: no exit record can be written
    execFileSync('tmux', ['-S', home.dir.socket, 'kill-session', '-t', '=gone']);
    const s = await engine.status('gone');
    assert.equal(s.ok && s.value.state, 'vanished', JSON.stringify(s));
    assert.match(s.ok ? (s.value.evidence?.detail ?? '') : '', /no exit was recorded/);
  });

  test('a listing older than status.json (a pass launched in between) is asked again, not called vanished', async () => {
    await engine.start({ name: 'late', repo, agent: 'command', args: fake('--sleep', '20000') });
    await waitFor(async () => {
      const r = await engine.status('late');
      return r.ok && r.value.state === 'running' && r.value.pane ? r.value : null;
    });
    // What a supervisor holds when it listed panes just before this session was made: no pane.
    const stale = await engine.inspect('late', null, new Date());
    assert.equal(stale && 'state' in stale && stale.state, 'running', JSON.stringify(stale));
    // With the session really gone, the same call says vanished (the recheck finds nothing either).
    const live = await engine.status('late');
    assert.ok(live.ok && live.value.pane);
    process.kill(-live.value.pane.pid, 'SIGKILL');
    execFileSync('tmux', ['-S', home.dir.socket, 'kill-session', '-t', '=late']);
    const gone = await engine.inspect('late', null, new Date());
    assert.equal(gone && 'state' in gone && gone.state, 'vanished', JSON.stringify(gone));
  });

  test('gc closes dead sessions, removes only ended run dirs when asked', async () => {
    await engine.start({ name: 'g-done', repo, agent: 'command', args: fake('--exit', '0') });
    await engine.start({ name: 'g-live', repo, agent: 'command', args: fake('--sleep', '20000') });
    await ended('g-done');
    // The finisher is still the pane's process until it exits; gc never closes a live pane.
    await deadPane('g-done');
    const keep = await engine.gc({ olderThanMs: 3_600_000, remove: true });
    assert.deepEqual(keep.ok && keep.value, {
      closed: [],
      removed: [],
      reaped: [],
      keptLive: [],
      busy: [],
      ghosts: [],
      broken: [],
    });
    const r = await engine.gc({});
    assert.deepEqual(r.ok && r.value.closed, ['g-done']);
    assert.ok(existsSync(home.dir.runDir('g-done')), 'run dir kept without --remove');
    const r2 = await engine.gc({ remove: true });
    assert.deepEqual(r2.ok && r2.value.removed, ['g-done']);
    assert.ok(existsSync(home.dir.runDir('g-live')), 'a running workcell is never removed');
    assert.deepEqual(liveSessions(home), ['g-live']);
    await engine.kill('g-live');
  });
});

describe('resume', () => {
  test('an ended workcell resumes as pass 2; pass 1 goes to history/1', async () => {
    // Fails the first time, succeeds once its marker exists: a task that needed a second pass.
    const script = `const f=require('fs');if(f.existsSync('pass-marker')){console.log('second pass ok')}else{f.writeFileSync('pass-marker','');console.log('first pass failing');process.exit(3)}`;
    await engine.start({
      name: 'again',
      repo,
      agent: 'command',
      verify: 'test -f pass-marker',
      args: [process.execPath, '-e', script],
    });
    const first = await ended('again');
    assert.equal(first.state, 'failed');
    await deadPane('again');
    const running = await engine.start({
      name: 'busy',
      repo,
      agent: 'command',
      args: fake('--sleep', '20000'),
    });
    assert.ok(running.ok);
    const refused = await engine.resume('busy');
    assert.equal(!refused.ok && refused.error.code, 'STILL_RUNNING');
    await engine.kill('busy');

    const r = await engine.resume('again');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.ok && r.value.pass, 2);
    const second = await waitFor(
      async () => {
        const s = await engine.status('again');
        return s.ok && s.value.pass === 2 && s.value.state === 'done' ? s.value : null;
      },
      15_000,
      'pass 2 done',
    );
    assert.equal(second.exitCode, 0);
    const dir = home.dir.runDir('again');
    assert.match(await fs.readFile(join(dir, 'history', '1', 'agent.log'), 'utf8'), /first pass failing/);
    assert.equal(JSON.parse(await fs.readFile(join(dir, 'history', '1', 'exit.json'), 'utf8')).exitCode, 3);
    assert.doesNotMatch(await fs.readFile(join(dir, 'agent.log'), 'utf8'), /first pass failing/);
    assert.ok((await engine.store.readEvents('again')).some((e) => e.type === 'resumed' && e.pass === 2));
  });
});

describe('a full disk', () => {
  // A real full file system: a 256 KiB tmpfs (needs root, as in CI; skipped with a reason elsewhere).
  test('start says so, and leaves nothing half-created', async (t) => {
    const mnt = join(home.dir.root, 'full');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      t.skip('cannot mount a small tmpfs here (needs root)');
      return;
    }
    try {
      const { ControlDir } = await import('./paths.js');
      const { ensureHome } = await import('./home.js');
      const dir = new ControlDir(join(mnt, 'h'));
      assert.ok((await ensureHome(dir)).ok);
      const e = new Engine(dir, new Tmux(dir.socket, dir.tmuxConf));
      // One already running: it ends after the disk is full, when exit.json cannot be written.
      const go = join(home.dir.root, 'go');
      const early = await e.start({
        name: 'early',
        repo,
        agent: 'command',
        args: ['/bin/sh', '-c', `while [ ! -f '${go}' ]; do sleep 0.05; done; exit 0`],
      });
      assert.ok(early.ok, JSON.stringify(early));
      // Fill what is left.
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd stops with "No space left on device": that is the point
      }
      writeFileSync(go, '');
      const ended = await waitFor(
        async () => {
          const st = await e.status('early');
          return st.ok && st.value.state !== 'running' ? st.value : null;
        },
        30_000,
        'the early workcell to end on a full disk',
      );
      // exit.json could not be written: the code comes from tmux's dead status when tmux has one (it
      // can stay empty), else the workcell is failed with an unknown code. Never "running".
      assert.equal(ended.evidence?.source, 'tmux');
      if (ended.exitCode !== null) assert.deepEqual([ended.state, ended.exitCode], ['done', 0]);
      else assert.equal(ended.state, 'failed');
      const r = await e.start({
        name: 'full',
        repo,
        agent: 'command',
        objective: 'x'.repeat(64 * 1024),
        args: ['true'],
      });
      assert.equal(!r.ok && r.error.code, 'NOT_WRITABLE', JSON.stringify(r));
      assert.match(!r.ok ? r.error.message : '', /disk space/);
      assert.equal(existsSync(dir.runDir('full')), false, 'no half-created run dir');
    } finally {
      const root = join(mnt, 'h');
      try {
        execFileSync('tmux', ['-S', join(root, 'tmux.sock'), 'kill-server'], { stdio: 'ignore' });
      } catch {
        // no server running any more
      }
      killOrphans(root);
      // Lazy: a finisher still closing a file must not turn a passed test into "target is busy".
      execFileSync('umount', ['-l', mnt]);
    }
  });
});
