// recovery.json writes racing `workcell gc --remove` (issue 11): a write never brings back a removed run
// dir (it used to mkdir it, leaving a dir that held only recovery.json), and says NOT_FOUND instead of
// throwing. Real files, real locks; the race is run many times with the removal at a different point of
// the stream of writers each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeHome } from '../testing/fixture.js';
import { readRecovery, updateRecovery } from './record.js';

const addRestart = (t: number) => (r: { v: 1; restarts?: number[] }) => ({
  ...r,
  restarts: [...(r.restarts ?? []), t],
});

test('a run dir removed before the write: NOT_FOUND, and the dir stays gone', async () => {
  const home = makeHome('wcrec-');
  try {
    const runDir = home.dir.runDir('gone');
    mkdirSync(runDir, { recursive: true });
    assert.ok((await updateRecovery(home.dir, 'gone', addRestart(1))).ok);
    rmSync(runDir, { recursive: true });
    const r = await updateRecovery(home.dir, 'gone', addRestart(2));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'NOT_FOUND');
    assert.match(r.error.message, /workcell gone is gone \(its run dir was removed\)/);
    assert.ok(!existsSync(runDir), 'not created again');
  } finally {
    home.cleanup();
  }
});

test('writes racing the removal: each one is written or NOT_FOUND, none throws, and the run dir stays gone', async () => {
  const home = makeHome('wcrec-');
  try {
    for (let round = 0; round < 15; round++) {
      const name = `race${round}`;
      const runDir = home.dir.runDir(name);
      mkdirSync(runDir, { recursive: true });
      writeFileSync(join(runDir, 'status.json'), '{}');
      // Writers keep coming (the daemon's step, a CLI `recover --cancel`) while the removal runs, and
      // after it: it starts after a different number of them each round.
      const writers: ReturnType<typeof updateRecovery>[] = [];
      let removal: Promise<void> | null = null;
      for (let i = 0; i < 12; i++) {
        if (i === round % 6)
          removal = rm(runDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 10 });
        writers.push(updateRecovery(home.dir, name, addRestart(i)));
        await new Promise((r) => setTimeout(r, 2));
      }
      const results = await Promise.all(writers);
      await removal;
      for (const r of results) assert.ok(r.ok || r.error.code === 'NOT_FOUND', JSON.stringify(r));
      assert.ok(!existsSync(runDir), `round ${round}: the run dir came back`);
      assert.deepEqual(await readRecovery(home.dir, name), { v: 1 });
    }
  } finally {
    home.cleanup();
  }
});
