// Continuity on real tmux with fake vendor CLIs (testing/fakeVendor.ts) that behave like each vendor
// for session ids: minted ids, captured ids, a mid-session switch, a missing transcript, a named
// session of three agents, checkpoints after a SIGKILL of everything, SUPERVISOR.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveSessions, waitFor } from '../testing/fixture.js';
import { Transitions } from '../transition.js';
import { tmuxEnv } from '../tmux.js';
import { readCheckpoint } from './checkpoint.js';
import { planResume } from '../resume.js';
import { rig, screenHas } from '../testing/continuityRig.js';

test('claude: id minted, a /clear switch followed, resume reopens the current id with the model again, confirmed', async () => {
  const r = await rig();
  try {
    const s = await r.run([
      'start',
      'mint',
      '--repo',
      r.repo,
      '--agent',
      'claude',
      '--objective',
      'do it',
      '--',
      '--model',
      'opus',
    ]);
    assert.equal(s.code, 0, s.stderr);
    const st = await r.status('mint');
    const minted = st.vendorSession!.id!;
    assert.equal(st.vendorSession!.how, 'minted');
    assert.ok(st.argv.includes('--session-id') && st.argv.includes(minted));
    await screenHas(r, 'mint', new RegExp(`session ${minted} source startup model opus`));
    r.send('mint', '/clear');
    const line = await screenHas(r, 'mint', /switched to ([0-9a-f-]{36})/);
    const switched = /switched to ([0-9a-f-]{36})/.exec(line)![1]!;
    await waitFor(
      async () => {
        await r.observe();
        return (await r.status('mint')).vendorSessionId === switched;
      },
      10_000,
      'the record to follow the switch',
    );
    const rec = (await r.status('mint')).vendorSession!;
    assert.deepEqual([rec.how, rec.source, rec.previous], ['switched', 'clear', [minted]]);
    r.send('mint', 'bash echo hi > notes.txt');
    await screenHas(r, 'mint', /ok: bash echo hi/);
    r.send('mint', 'exit');
    await waitFor(async () => (await r.status('mint')).state === 'done', 10_000, 'done');
    const cp = await waitFor(
      async () => {
        const c = await readCheckpoint(r.home.dir.runDir('mint'));
        return c?.why === 'ended done' ? c : null;
      },
      10_000,
      "the finisher's checkpoint",
    );
    assert.deepEqual(
      cp.lastCommands.map((c) => c.command),
      ['echo hi > notes.txt'],
    );

    const res = await waitFor(
      async () => {
        const x = await r.run(['resume', 'mint', '--confirm-timeout', '10']);
        return /still finishing/.test(x.stderr) ? null : x;
      },
      15_000,
      'resume once the finisher is done',
    );
    assert.equal(res.code, 0, res.stderr + res.stdout);
    assert.match(res.stdout, new RegExp(`resume of vendor session ${switched}`));
    // Either evidence is a confirmation: the hook, or new lines in the same transcript (whichever lands first).
    assert.match(
      res.stdout,
      new RegExp(
        `check: confirmed: (SessionStart source resume, same session ${switched}|new lines in the same transcript .*/${switched}\\.jsonl)`,
      ),
    );
    const next = await r.status('mint');
    assert.deepEqual(next.argv.slice(-4), ['--resume', switched, '--model', 'opus']);
    // The new pass's first checkpoint is the keeper's, at its next look (resume does not wait for one).
    await r.observe();
    const resumedCp = (await readCheckpoint(r.home.dir.runDir('mint')))!;
    assert.deepEqual([resumedCp.why, resumedCp.pass], ['resumed', 2]);
    process.stdout.write(
      `# workcell resume -> agent running, confirmed: ${res.ms} ms (includes the check)\n`,
    );
    // Every day's file, in order: a run that crosses midnight (UTC) writes to two.
    const days = join(r.home.dir.root, 'journal');
    const journal = readdirSync(days)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => readFileSync(join(days, f), 'utf8'))
      .join('');
    assert.match(journal, /start \*\*mint\*\*[\s\S]*end \*\*mint\*\*[\s\S]*resume \*\*mint\*\*/);
  } finally {
    await r.done();
  }
});

test('codex: the id is captured from its first rollout; resume uses codex resume ID; timing of resume to running', async () => {
  const r = await rig();
  try {
    assert.equal(
      (await r.run(['start', 'cap', '--repo', r.repo, '--agent', 'codex', '--objective', 'x'])).code,
      0,
    );
    assert.equal((await r.status('cap')).vendorSessionId, null);
    const line = await screenHas(r, 'cap', /session ([0-9a-f-]{36}) source startup/);
    const id = /session ([0-9a-f-]{36})/.exec(line)![1]!;
    await waitFor(
      async () => {
        await r.observe();
        return (await r.status('cap')).vendorSessionId === id;
      },
      10_000,
      'capture',
    );
    assert.equal((await r.status('cap')).vendorSession!.how, 'captured');
    r.send('cap', 'exit');
    await waitFor(async () => (await r.status('cap')).state === 'done', 10_000, 'done');
    await waitFor(
      async () =>
        (await r.engine.status('cap')).ok &&
        ((await r.engine.status('cap')) as { value: { pane: { dead: boolean } | null } }).value.pane?.dead !==
          false,
      15_000,
      'the finisher to end',
    );
    // The machine's own pace: a bare `workcell ls` (one node start, two tmux calls) as the baseline.
    const baseline = (await r.run(['ls'])).ms;
    // "Agent running" = the resumed agent's first line on its screen, timed from the command's start.
    const t0 = Date.now();
    const pending = r.run(['resume', 'cap', '--no-confirm']);
    // The wait includes the resume command itself (a node start and its tmux calls): generous, as the
    // figure is reported, not asserted tightly.
    const seen = await screenHas(r, 'cap', new RegExp(`session ${id} source resume`), 30_000).catch(
      (e: Error) => e,
    );
    const toRunning = Date.now() - t0;
    const res = await pending;
    assert.equal(res.code, 0, res.stderr);
    assert.ok(!(seen instanceof Error), `${String(seen)}; resume said: ${res.stdout} ${res.stderr}`);
    assert.deepEqual((await r.status('cap')).argv.slice(0, 2), ['codex', 'resume']);
    assert.equal((await r.status('cap')).argv.at(-1), id);
    const launched = Date.parse((await r.status('cap')).stateSince!) - t0;
    process.stdout.write(
      `# workcell resume -> pane launched (state running): ${launched} ms; -> resumed agent's first line on screen: ${toRunning} ms; command exited after ${res.ms} ms; workcell ls alone: ${baseline} ms; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}\n`,
    );
    // "Running" is the pane launched (the running transition). The target is 2 s on an idle machine;
    // this figure is reported, and only a gross regression fails here: on this shared 2-core machine
    // (load average 20+) a bare `ls` alone swings between 1.5 and 2.5 s.
    assert.ok(launched < 15_000, `resume took ${launched} ms (ls: ${baseline} ms)`);
  } finally {
    await r.done();
  }
});

test('a missing transcript: resume falls back to artifacts and says so (new id, never a replayed create); --exact refuses', async () => {
  const r = await rig();
  try {
    assert.equal(
      (
        await r.run([
          'start',
          'gone',
          '--repo',
          r.repo,
          '--agent',
          'claude',
          '--objective',
          'finish the parser',
        ])
      ).code,
      0,
    );
    const old = (await r.status('gone')).vendorSessionId!;
    await screenHas(r, 'gone', /source startup/);
    mkdirSync(join(r.repo, '.workcell'));
    writeFileSync(
      join(r.repo, '.workcell', 'state.json'),
      JSON.stringify({ task: 'parser', nextSteps: ['write the tests'] }),
    );
    r.send('gone', 'exit');
    await waitFor(async () => (await r.status('gone')).state === 'done', 10_000, 'done');
    rmSync(join(r.vendorHome, '.claude'), { recursive: true, force: true });
    await waitFor(
      async () => !/still finishing/.test((await r.run(['resume', 'gone', '--exact'])).stderr) || null,
      15_000,
    );
    const refused = await r.run(['resume', 'gone', '--exact']);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /cannot reopen the exact conversation: the transcript of claude session .* is not where claude keeps it/,
    );
    const res = await r.run(['resume', 'gone']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      /resume from artifacts .* not the conversation: the transcript of claude session/,
    );
    const st = await r.status('gone');
    assert.notEqual(
      st.vendorSessionId,
      old,
      'a new conversation gets a new id, never the old create command',
    );
    assert.ok(!st.argv.includes(old));
    assert.equal(st.vendorSession!.source, 'artifacts');
    const brief = readFileSync(join(r.home.dir.runDir('gone'), 'resume-brief.md'), 'utf8');
    assert.match(brief, /This is a continuation, not a new task/);
    assert.match(brief, /finish the parser/);
    assert.match(brief, /write the tests/);
    await screenHas(r, 'gone', new RegExp(`session ${st.vendorSessionId} source startup`));
  } finally {
    await r.done();
  }
});

test('a named session of three agents is resumed in one command, reported per member', async () => {
  const r = await rig();
  try {
    for (const [n, a] of [
      ['m-claude', 'claude'],
      ['m-gemini', 'gemini'],
      ['m-copilot', 'copilot'],
    ] as const)
      assert.equal(
        (await r.run(['start', n, '--repo', r.repo, '--agent', a, '--objective', 'x', '--session', 'trio']))
          .code,
        0,
      );
    const show = await r.run(['session', 'show', 'trio', '--json']);
    const members = (JSON.parse(show.stdout) as { members: { workcell: string; vendorSessionId: string }[] })
      .members;
    assert.deepEqual(
      members.map((m) => m.workcell),
      ['m-claude', 'm-gemini', 'm-copilot'],
    );
    assert.ok(members.every((m) => /^[0-9a-f-]{36}$/.test(m.vendorSessionId)));
    assert.match((await r.run(['session', 'ls'])).stdout, /trio\t3 member/);
    for (const m of members) {
      await screenHas(r, m.workcell, /source startup/);
      r.send(m.workcell, 'exit');
    }
    await waitFor(
      async () => {
        for (const m of members) if ((await r.status(m.workcell)).state !== 'done') return false;
        return true;
      },
      15_000,
      'all done',
    );
    const res = await waitFor(
      async () => {
        const x = await r.run(['resume', '--session', 'trio', '--no-confirm']);
        return /still finishing/.test(x.stdout) ? null : x;
      },
      15_000,
      'resume',
    );
    assert.equal(res.code, 0, res.stdout + res.stderr);
    for (const m of members) {
      assert.match(
        res.stdout,
        new RegExp(
          `resumed ${m.workcell}: pass 2 \\(pass 2 launched in tmux: resume of vendor session ${m.vendorSessionId}\\)`,
        ),
      );
      await screenHas(r, m.workcell, new RegExp(`session ${m.vendorSessionId} source resume`));
    }
  } finally {
    await r.done();
  }
});

test('checkpoints follow state changes and stay readable after a SIGKILL of everything', async () => {
  const r = await rig();
  try {
    assert.equal(
      (await r.run(['start', 'cp', '--repo', r.repo, '--agent', 'claude', '--objective', 'x'])).code,
      0,
    );
    const runDir = r.home.dir.runDir('cp');
    // The first checkpoint is the daemon's, at its first look: `start` no longer waits for one.
    assert.equal(await readCheckpoint(runDir), null, 'start wrote no checkpoint on its own path');
    await r.observe();
    const first = (await readCheckpoint(runDir))!;
    assert.deepEqual([first.why, first.pass, first.state], ['started', 1, 'running']);
    await screenHas(r, 'cp', /source startup/);
    r.send('cp', 'bash sleep 600 &');
    writeFileSync(join(r.repo, 'wip.ts'), 'x');
    await screenHas(r, 'cp', /ok: bash sleep/);
    // A state change the keeper sees: running -> killed is an end; use a transition through the one path.
    await new Transitions(r.store).transition('cp', {
      to: 'idle',
      evidence: { source: 'test', detail: 'idle', at: new Date().toISOString() },
    });
    await r.observe();
    const cp = (await readCheckpoint(runDir))!;
    assert.equal(cp.why, 'state running -> idle');
    assert.ok(cp.files.status.some((l) => l.endsWith('wip.ts')));
    assert.ok(cp.files.recent.includes('wip.ts'));
    assert.ok(
      cp.processes.some((p) => p.cmd.includes('fakeVendor.js claude')),
      JSON.stringify(cp.processes),
    );
    assert.equal(cp.env.values.HOME, r.vendorHome);
    // SIGKILL the tmux server and every process of the workcell: the file is whole.
    execFileSync('tmux', ['-S', r.home.dir.socket, 'kill-server'], { env: tmuxEnv() });
    for (const p of cp.processes)
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // ESRCH: it went with the server
      }
    const again = await readCheckpoint(runDir);
    assert.deepEqual(again, cp);
  } finally {
    await r.done();
  }
});

test('SUPERVISOR.md: the test command is the default verify, a touched forbidden path fails verify naming it; bad content names the line', async () => {
  const r = await rig();
  try {
    writeFileSync(
      join(r.repo, 'SUPERVISOR.md'),
      '# Rules for this repo\n\n## Test\n`true`\n\n## Forbidden paths\n- secrets/\n- **/*.lock\n\n## Rules\n- Never deploy on Fridays.\n\n## Recovery\nsuggest\n',
    );
    const s = await r.run([
      'start',
      'rules',
      '--repo',
      r.repo,
      '--agent',
      'command',
      '--',
      '/bin/sh',
      '-c',
      'mkdir -p secrets && echo k > secrets/key.txt && echo y > ok.txt',
    ]);
    assert.equal(s.code, 0, s.stderr);
    const runDir = r.home.dir.runDir('rules');
    assert.match(
      readFileSync(join(runDir, 'brief.md'), 'utf8'),
      /Never deploy on Fridays[\s\S]*Do not change these paths: secrets\//,
    );
    assert.match(readFileSync(join(runDir, 'verify.sh'), 'utf8'), /\ntrue\n/);
    const st = await waitFor(
      async () => {
        const x = await r.status('rules');
        return x.verify.ran && x.git.headAtEnd !== null ? x : null;
      },
      15_000,
      'verified',
    );
    assert.equal(st.verify.exitCode, 1);
    assert.equal(st.verify.reason, 'touched forbidden paths (SUPERVISOR.md): secrets/key.txt');

    writeFileSync(join(r.repo, 'SUPERVISOR.md'), '## Test\nnpm test\n\n## Recovery\nsometimes\n');
    const bad = await r.run(['start', 'rules2', '--repo', r.repo, '--agent', 'command', '--', 'true']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /SUPERVISOR\.md line 5: Recovery is auto, suggest or off, not "sometimes"/);
    assert.ok(!existsSync(r.home.dir.runDir('rules2')), 'nothing was created');
    assert.deepEqual(
      liveSessions(r.home).filter((n) => n === 'rules2'),
      [],
    );
  } finally {
    await r.done();
  }
});

test('planResume is read-only and says why: vendor, artifacts, refuse, rerun', async () => {
  const r = await rig();
  try {
    assert.equal(
      (await r.run(['start', 'p1', '--repo', r.repo, '--agent', 'command', '--', 'true'])).code,
      0,
    );
    await waitFor(async () => (await r.status('p1')).state === 'done', 10_000);
    const p = await planResume(r.home.dir, r.store, 'p1');
    assert.ok(p.ok);
    assert.equal(p.value.kind, 'rerun');
    const missing = await planResume(r.home.dir, r.store, 'nope');
    assert.equal(missing.ok, false);
  } finally {
    await r.done();
  }
});
