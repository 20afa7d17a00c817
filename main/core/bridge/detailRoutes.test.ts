// The detail pane's routes on a real git repo and a real tmux workcell: the diff since the start (files
// and hunks, uncommitted work included), the log tail without escape sequences, and hostile status.json
// values that must never reach git's argv.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUnifiedDiff, type LogTail, type WorkcellDiff } from '../../common/detailApi.js';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import { makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { RunsDirFleetSource } from './runsDirFleetSource.js';
import { startBridge, type Bridge } from './server.js';
import { http } from './testing/testClient.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

describe('detail routes', () => {
  let home: TestHome;
  let bridge: Bridge;
  let engine: Engine;
  let repo: string;
  before(async () => {
    home = makeHome('wc-dr-');
    engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    repo = join(home.dir.root, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q');
    writeFileSync(join(repo, 'a.txt'), 'one\ntwo\nthree\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'start');
    const staticDir = mkdtempSync(join(tmpdir(), 'wc-static-'));
    bridge = await startBridge({ engine, fleet: new RunsDirFleetSource(engine), staticDir });
  });
  after(async () => {
    await bridge.close();
    home.cleanup();
  });

  it('serves the diff since the start and the clean log tail of an ended workcell', async () => {
    // The agent edits a tracked file, adds one, prints in colour with a CR-overwritten progress line.
    const script =
      "printf 'one\\nTWO\\nthree\\n' > a.txt; printf 'new\\n' > b.txt; " +
      "printf '\\033[31mred words\\033[0m\\n'; printf 'progress 10%%\\rprogress 100%%\\n'";
    const r = await engine.start({ name: 'edits', repo, agent: 'command', args: ['sh', '-c', script] });
    assert.ok(r.ok, JSON.stringify(r));
    await waitFor(
      async () => {
        const s = await engine.status('edits');
        return s.ok && s.value.state === 'done' && s.value.endedAt !== null && s.value.verify !== undefined;
      },
      15_000,
      'edits to end',
    );
    const d = await http(bridge, 'GET', '/api/workcells/edits/diff');
    assert.equal(d.status, 200, d.body);
    const diff = (JSON.parse(d.body) as { value: WorkcellDiff }).value;
    assert.equal(diff.target, 'working tree');
    const byPath = new Map(diff.files.map((f) => [f.path, f]));
    assert.deepEqual([...byPath.keys()].sort(), ['a.txt', 'b.txt']);
    // The new file is listed though `git diff` leaves it out; the tracked edit comes with its hunk.
    assert.equal(byPath.get('b.txt')!.status, 'untracked');
    assert.equal(byPath.get('a.txt')!.added, 1);
    assert.equal(byPath.get('a.txt')!.removed, 1);
    assert.ok(byPath.get('a.txt')!.hunks[0]!.lines.includes('+TWO'));

    const l = await http(bridge, 'GET', '/api/workcells/edits/log');
    assert.equal(l.status, 200, l.body);
    const log = (JSON.parse(l.body) as { value: LogTail }).value;
    assert.match(log.text, /^red words$/m);
    assert.match(log.text, /^progress 100%$/m);
    assert.doesNotMatch(log.text, /\x1b|\r/); // eslint-disable-line no-control-regex -- asserting none left
    assert.equal(log.truncated, false);
  });

  it('never hands a hand-edited start commit to git (it could be an option)', async () => {
    // The finisher's last status write (the git summary) comes after 'done': edit after it, or the
    // edit is overwritten.
    await waitFor(
      async () => (await engine.store.readEvents('edits')).some((e) => e.type === 'finished'),
      15_000,
      'the finisher to finish',
    );
    const statusFile = join(home.dir.runDir('edits'), 'status.json');
    const s = JSON.parse(readFileSync(statusFile, 'utf8')) as { git: { headAtStart: string } };
    s.git.headAtStart = `--output=${join(home.dir.root, 'pwned')}`;
    writeFileSync(statusFile, JSON.stringify(s));
    const d = await http(bridge, 'GET', '/api/workcells/edits/diff');
    assert.equal(d.status, 404);
    assert.match(d.body, /no start commit/);
  });

  it('answers a bad name and an unknown workcell as values', async () => {
    assert.equal((await http(bridge, 'GET', '/api/workcells/Bad.Name/log')).status, 400);
    assert.equal((await http(bridge, 'GET', '/api/workcells/nobody/log')).status, 404);
  });
});

describe('parseUnifiedDiff', () => {
  it('reads files, renames, binaries and hunks', () => {
    const text = [
      'diff --git a/x.ts b/x.ts',
      'index 1..2 100644',
      '--- a/x.ts',
      '+++ b/x.ts',
      '@@ -1,2 +1,2 @@ fn',
      ' keep',
      '-old',
      '+new',
      '\\ No newline at end of file',
      'diff --git a/old.md b/new.md',
      'similarity index 90%',
      'rename from old.md',
      'rename to new.md',
      'diff --git a/img.png b/img.png',
      'new file mode 100644',
      'Binary files /dev/null and b/img.png differ',
    ].join('\n');
    const f = parseUnifiedDiff(text);
    assert.deepEqual(
      f.map((x) => [x.path, x.status, x.added, x.removed, x.hunks.length]),
      [
        ['x.ts', 'modified', 1, 1, 1],
        ['new.md', 'renamed', 0, 0, 0],
        ['img.png', 'binary', 0, 0, 0],
      ],
    );
    assert.equal(f[1]!.oldPath, 'old.md');
    assert.deepEqual(f[0]!.hunks[0]!.lines, [' keep', '-old', '+new', '\\ No newline at end of file']);
  });
});
