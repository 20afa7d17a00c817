// N2: a process that handles SIGTERM itself can flush the ledger and exit 0, even when the signal lands
// in the middle of a ledger write. write-file-atomic 7 (signal-exit 4.1) re-raises the signal there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../testing/fixture.js';
import type { LedgerData } from './ledger.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'sigtermChild.js');
const root = mkdtempSync(join(tmpdir(), 'wc-sigterm-'));
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await waitFor(() => children.every((c) => c.exitCode !== null || c.signalCode !== null), 5_000, 'children');
  rmSync(root, { recursive: true, force: true });
});

async function termDuringWrites(file: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CHILD, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await waitFor(() => out.includes('ready'), 10_000, 'the child to start writing');
  // Let it be busy for a while: dozens of lock + write + rename cycles.
  await waitFor(
    () => Object.keys((JSON.parse(readFileSync(file, 'utf8')) as LedgerData).changes).length >= 20,
    10_000,
    '20 ledger writes',
  );
  if (env.WRITER) await waitFor(() => out.includes('inside write-file-atomic'), 10_000, 'the held write');
  child.kill('SIGTERM');
  return { ...(await exited), out: () => out };
}

test('SIGTERM during ledger writes: the handler runs, exit 0, ledger intact and complete', async () => {
  const file = join(root, 'ok', 'notified.json');
  const r = await termDuringWrites(file);
  assert.deepEqual({ code: r.code, signal: r.signal }, { code: 0, signal: null });
  const recorded = Number(/recorded (\d+)/.exec(r.out())?.[1]);
  const data = JSON.parse(readFileSync(file, 'utf8')) as LedgerData;
  assert.equal(Object.keys(data.changes).length, recorded, 'every recorded change is on disk');
});

test('the cause: write-file-atomic in the same process kills it with SIGTERM (143) instead', async () => {
  const r = await termDuringWrites(join(root, 'wfa', 'notified.json'), { WRITER: 'write-file-atomic' });
  assert.deepEqual({ code: r.code, signal: r.signal }, { code: null, signal: 'SIGTERM' });
});
