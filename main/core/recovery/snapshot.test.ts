// Dirty-repo snapshots against a real git repo: every changed and untracked file is in the ref byte
// for byte, ignored files are not, and the user's branch, HEAD, index and stash list are untouched.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSnapshots, restoreSnapshot, snapshotRepo } from './snapshot.js';

let repo: string;
const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, encoding: 'utf8' }).trim();
const gitBuf = (...a: string[]) => execFileSync('git', a, { cwd: repo });

beforeEach(() => {
  repo = realpathSync(mkdtempSync(join(tmpdir(), 'wc-snap-repo-')));
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'user@example.com');
  git('config', 'user.name', 'User');
  writeFileSync(join(repo, '.gitignore'), 'build/\n*.log\n');
  writeFileSync(join(repo, 'a.txt'), 'one\n');
  writeFileSync(join(repo, 'gone.txt'), 'to be deleted\n');
  git('add', '-A');
  git('commit', '-qm', 'first');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

test('a dirty repo: tracked, deleted, untracked and binary files are in the ref byte for byte; ignored ones are not; nothing of the user moves', async () => {
  const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0, 0x80]);
  writeFileSync(join(repo, 'a.txt'), 'one\ntwo (uncommitted)\n');
  rmSync(join(repo, 'gone.txt'));
  mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
  writeFileSync(join(repo, 'src', 'deep', 'new file.ts'), 'export const x = 1;\n');
  writeFileSync(join(repo, 'blob.bin'), binary);
  mkdirSync(join(repo, 'build'));
  writeFileSync(join(repo, 'build', 'out.js'), 'ignored');
  writeFileSync(join(repo, 'debug.log'), 'ignored');
  writeFileSync(join(repo, 'staged.txt'), 'staged by the user\n');
  git('add', 'staged.txt');
  const before = {
    head: git('rev-parse', 'HEAD'),
    branch: git('branch', '--show-current'),
    index: git('diff', '--cached', '--name-status'),
    status: git('status', '--porcelain'),
  };

  const r = await snapshotRepo(repo, 'fix-login', 1, 'test');
  assert.ok(r.ok && r.value, JSON.stringify(r));
  const snap = r.value;
  assert.equal(snap.ref, 'refs/workcells/fix-login/1');
  assert.equal(git('rev-parse', snap.ref), snap.commit);
  assert.equal(
    git('rev-parse', `${snap.commit}^`),
    before.head,
    'the snapshot sits on HEAD, off every branch',
  );
  const files = git('ls-tree', '-r', '--name-only', snap.commit).split('\n').sort();
  assert.deepEqual(files, ['.gitignore', 'a.txt', 'blob.bin', 'src/deep/new file.ts', 'staged.txt']);
  assert.deepEqual(gitBuf('show', `${snap.commit}:blob.bin`), binary);
  assert.equal(git('show', `${snap.commit}:a.txt`), 'one\ntwo (uncommitted)');
  assert.equal(git('show', `${snap.commit}:src/deep/new file.ts`), 'export const x = 1;');
  // Nothing of the user's moved: HEAD, branch, index, working tree, stash list.
  assert.equal(git('rev-parse', 'HEAD'), before.head);
  assert.equal(git('branch', '--show-current'), before.branch);
  assert.equal(git('diff', '--cached', '--name-status'), before.index);
  assert.equal(git('status', '--porcelain'), before.status);
  assert.equal(git('stash', 'list'), '');
  assert.equal(git('branch', '--list').split('\n').length, 1);

  // A second snapshot of the same pass gets its own ref; the list is in order.
  writeFileSync(join(repo, 'a.txt'), 'changed again\n');
  const r2 = await snapshotRepo(repo, 'fix-login', 1, 'test 2');
  assert.ok(r2.ok && r2.value);
  assert.equal(r2.value.id, '1-2');
  assert.deepEqual(
    (await listSnapshots(repo, 'fix-login')).map((s) => s.id),
    ['1', '1-2'],
  );

  // Restore brings snapshot 1 back byte for byte; what was there is snapshotted first.
  rmSync(join(repo, 'blob.bin'));
  rmSync(join(repo, 'src'), { recursive: true });
  const back = await restoreSnapshot(repo, 'fix-login', '1', 1);
  assert.ok(back.ok, JSON.stringify(back));
  assert.equal(back.value.saved?.id, '1-3');
  assert.deepEqual(readFileSync(join(repo, 'blob.bin')), binary);
  assert.equal(readFileSync(join(repo, 'a.txt'), 'utf8'), 'one\ntwo (uncommitted)\n');
  assert.equal(readFileSync(join(repo, 'src', 'deep', 'new file.ts'), 'utf8'), 'export const x = 1;\n');
  assert.equal(git('rev-parse', 'HEAD'), before.head);
  assert.equal(git('diff', '--cached', '--name-status'), before.index, 'restore leaves the index alone');
});

test('a clean repo, a repo with no commits, and no repo at all', async () => {
  assert.deepEqual(await snapshotRepo(repo, 'w', 1, 'clean'), { ok: true, value: null });
  const empty = realpathSync(mkdtempSync(join(tmpdir(), 'wc-snap-empty-')));
  try {
    execFileSync('git', ['init', '-q'], { cwd: empty });
    writeFileSync(join(empty, 'first.txt'), 'hello');
    const r = await snapshotRepo(empty, 'w', 3, 'no commits');
    assert.ok(r.ok && r.value);
    assert.equal(
      execFileSync('git', ['show', `${r.value.ref}:first.txt`], { cwd: empty, encoding: 'utf8' }),
      'hello',
    );
    rmSync(join(empty, '.git'), { recursive: true });
    assert.deepEqual(await snapshotRepo(empty, 'w', 3, 'no repo'), { ok: true, value: null });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  const none = await restoreSnapshot(repo, 'w', '9', 1);
  assert.equal(!none.ok && none.error.code, 'NOT_FOUND');
});
