// N1: a dispatcher SIGKILLed mid-burst loses nothing. A real child process posts to a real local
// webhook that answers slowly, is killed while a request is in flight, and a second process resumes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../testing/fixture.js';
import type { LedgerData } from './ledger.js';
import { startServer, type TestServer } from './testing/httpServer.js';
import type { NotifyMessage } from '../../common/notify.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'crashChild.js');
const root = mkdtempSync(join(tmpdir(), 'wc-crash-'));
const children: ChildProcess[] = [];
let srv: TestServer | undefined;
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await waitFor(() => children.every((c) => c.exitCode !== null || c.signalCode !== null), 5_000, 'children');
  await srv?.close();
  rmSync(root, { recursive: true, force: true });
});

function run(mode: 'feed' | 'resume', url: string, at: string) {
  const child = spawn(process.execPath, [CHILD, root, url, mode, '50', at], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  let fed = 0;
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (fed += (d.toString().match(/^fed /gm) ?? []).length));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')),
  );
  return { child, exited, stderr: () => stderr, fed: () => fed };
}

function changeIds(body: unknown): string[] {
  const m = body as NotifyMessage;
  return m.digest ? m.digest.messages.map((x) => x.changeId) : [m.changeId];
}

test('SIGKILL mid-burst: a second process delivers every change, none twice that completed', async () => {
  srv = await startServer(() => 200, { delayMs: 150 });
  const at = new Date().toISOString();
  const first = run('feed', `${srv.url}/hook`, at);
  // Killed with the third request in flight (its answer takes 150 ms), changes fed after it held in
  // the burst window, and the rest not yet fed.
  await waitFor(() => srv!.received.length >= 3, 20_000, 'three requests at the server');
  const fedAtThird = first.fed();
  await waitFor(() => first.fed() >= fedAtThird + 3, 20_000, 'three more changes fed');
  first.child.kill('SIGKILL');
  const seenBeforeKill = new Set(srv.received.flatMap((r) => changeIds(r.json)));
  assert.equal(await first.exited, 'SIGKILL');

  const ledger = JSON.parse(readFileSync(join(root, 'state', 'notified.json'), 'utf8')) as LedgerData;
  const status = (s: string) =>
    Object.entries(ledger.changes)
      .filter(([, e]) => e.notifiers.webhook === s)
      .map(([id]) => id);
  const completed = status('sent');
  const pending = status('pending');
  assert.ok(completed.length > 0, 'some sends completed before the kill');
  assert.ok(pending.length > 0, 'the kill landed with sends pending');
  for (const id of pending) assert.ok(ledger.changes[id]!.msg, `${id}: message kept for the re-send`);
  assert.ok(
    pending.some((id) => !seenBeforeKill.has(id)),
    'some pending changes never reached the server before the kill (only a re-send can deliver them)',
  );

  const second = run('resume', `${srv.url}/hook`, at);
  assert.equal(await second.exited, 0, second.stderr());

  const count = new Map<string, number>();
  for (const r of srv.received) for (const id of changeIds(r.json)) count.set(id, (count.get(id) ?? 0) + 1);
  const all = Array.from({ length: 50 }, (_, i) => `cell${i}:1:${i}:done`);
  assert.deepEqual(
    all.filter((id) => !count.has(id)),
    [],
    'every change delivered at least once',
  );
  assert.deepEqual(
    completed.filter((id) => count.get(id) !== 1),
    [],
    'a send that completed is never repeated',
  );
  process.stderr.write(
    `# crash: ${completed.length} completed, ${pending.length} pending at the kill, ` +
      `${50 - completed.length - pending.length} not yet fed; ${srv.received.length} requests in all\n`,
  );
});
