// The set-up every recovery integration test repeated (issue 11): a temp home with its private tmux
// server, an Engine on it, a git repo to run agents in, a ManualClock for the recoverer (the only fake),
// recovery settings without jitter, a supervisor started on demand (its notifications captured), and a
// teardown that stops it, kills the server and checks that nothing leaked.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NotifyMessage } from '../../common/notify.js';
import type { WorkcellEvent } from '../../common/workcell.js';
import { Engine } from '../engine.js';
import { readRecovery, type LimitSchedule } from '../recovery/record.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { Tmux } from '../tmux.js';
import { leakedProcesses, makeHome, waitFor, type TestHome } from './fixture.js';
import { ManualClock } from './manualClock.js';

export interface RigOptions {
  /** Temp dir prefix (short: the tmux socket path must stay under ~104 bytes). */
  prefix: string;
  /** settings.json `recovery` section; jitter 0 by default so due times are exact. */
  recovery?: Record<string, unknown>;
  /** Other settings.json keys (notifiers, ...). */
  settings?: Record<string, unknown>;
  /** The ManualClock's start (default: its fixed instant, never today). */
  clockStart?: number;
  /** Give the repo one empty commit (snapshot and rewritten-brief tests need a HEAD). */
  commit?: boolean;
}

export interface RecoveryRig {
  home: TestHome;
  engine: Engine;
  repo: string;
  clock: ManualClock;
  /** The running supervisor, null before supervise() and after stopSupervisor(). */
  sup: Supervisor | null;
  /** Every notification the supervisor sent (a desktop notifier that records instead of showing). */
  sent: NotifyMessage[];
  supervise(): Promise<Supervisor>;
  stopSupervisor(): Promise<void>;
  limitOf(name: string): Promise<LimitSchedule | undefined>;
  /** Polls the limit schedule until `ok` holds, and returns it (the last one seen in the error). */
  waitLimit(
    name: string,
    ok: (l: LimitSchedule) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<LimitSchedule>;
  /** The `type: recovery` audit lines of a workcell, of one action when given. */
  recoveryEvents(name: string, action?: string): Promise<WorkcellEvent[]>;
  /** A file of the workcell's run dir (agent.log, brief.md, ...). */
  runFile(name: string, file: string): string;
  /** Stops the supervisor, removes the home and asserts no process of it is left. */
  close(): Promise<void>;
}

export function recoveryRig(o: RigOptions): RecoveryRig {
  const home = makeHome(o.prefix);
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  if (o.commit)
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'start');
  writeFileSync(
    home.dir.settings,
    JSON.stringify({ ...o.settings, recovery: { jitterSeconds: 0, ...o.recovery } }),
  );
  const sent: NotifyMessage[] = [];
  const rig: RecoveryRig = {
    home,
    engine,
    repo,
    clock: new ManualClock(o.clockStart),
    sup: null,
    sent,
    async supervise() {
      const r = await Supervisor.start({
        dir: home.dir,
        log: (l) => process.env.SV_DEBUG && console.error(l),
        recovery: { clock: rig.clock, rand: () => 0 },
        factories: { desktop: () => ({ type: 'desktop', send: async (m) => (sent.push(m), { ok: true }) }) },
      });
      if (!r.ok) assert.fail(r.error.message);
      rig.sup = r.value;
      return r.value;
    },
    async stopSupervisor() {
      await rig.sup?.stop();
      rig.sup = null;
    },
    limitOf: async (name) => (await readRecovery(home.dir, name)).limit,
    async waitLimit(name, ok, what, timeoutMs = 20_000) {
      let seen: LimitSchedule | undefined;
      try {
        return await waitFor(
          async () => {
            seen = await rig.limitOf(name);
            return seen && ok(seen) ? seen : null;
          },
          timeoutMs,
          what,
        );
      } catch (e) {
        // What it was instead, and what recovery did: a timeout alone ("last: null") says nothing.
        const events = (await rig.recoveryEvents(name)).map((ev) => `${ev.action}: ${ev.detail ?? ''}`);
        const st = await engine.store.readStatus(name);
        throw new Error(
          `${(e as Error).message}\n  limit: ${JSON.stringify(seen)}\n  status: pass ${st?.pass} ${st?.state} ` +
            `(${st?.reason}; ${st?.evidence?.detail})\n  clock: ${new Date(rig.clock.now()).toISOString()}, ${rig.clock.pending} timer(s)\n  ` +
            `recovery events:\n    ${events.join('\n    ')}`,
          { cause: e },
        );
      }
    },
    recoveryEvents: async (name, action) =>
      (await engine.store.readEvents(name)).filter(
        (e) => e.type === 'recovery' && (!action || e.action === action),
      ),
    runFile: (name, file) => readFileSync(join(home.dir.runDir(name), file), 'utf8'),
    async close() {
      await rig.stopSupervisor();
      home.cleanup();
      assert.deepEqual(await leakedProcesses(home), []);
    },
  };
  return rig;
}
