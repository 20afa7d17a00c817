import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { backgroundClock, type Clock, type Disposable } from '../../common/lifecycle.js';
import { Backoff } from '../backoff.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { nodeSpawner, tmuxEnv, TMUX_INSTALL_HINT, type Spawner, type Tmux } from '../tmux.js';

/** The hidden home session the control client attaches to. Not a valid workcell name (leading `_`). */
export const HOME_SESSION = '_sv';
const SUBSCRIPTION = 'svfleet';
// Fields and entries of the fleet subscription are separated by ASCII unit/record separators. tmux
// 3.3a sends the value raw (no escaping: a title `a\101` arrives as typed); select-pane -T refuses a
// title with control characters and OSC 2 drops them, so no title can forge a separator;
// session names are validated workcell names. Measured: `|` and `|@|` separators were split by titles.
export const FIELD_SEP = '\x1f';
export const ENTRY_SEP = '\x1e';
const FLEET_FORMAT = `#{S:#{W:#{P:${[
  '#{session_name}',
  '#{pane_pid}',
  '#{pane_dead}',
  '#{window_activity}',
  '#{pane_title}',
].join(FIELD_SEP)}${ENTRY_SEP}}}}`;

export interface FleetPane {
  session: string;
  pid: number;
  dead: boolean;
  activity: number;
  title: string;
}

/** Parses the value of the fleet subscription (see FIELD_SEP for why no unescaping is needed). */
export function parseFleet(value: string): FleetPane[] {
  const out: FleetPane[] = [];
  for (const entry of value.split(ENTRY_SEP)) {
    const f = entry.split(FIELD_SEP);
    if (f.length !== 5 || !f[0]) continue; // the empty tail after the last separator, or a torn entry
    out.push({
      session: f[0],
      pid: Number(f[1]),
      dead: f[2] === '1',
      activity: Number(f[3]) || 0,
      title: f[4]!,
    });
  }
  return out;
}

export const CONTROL = {
  // Attach + subscribe take ~10 ms on an idle server; 5 s covers a loaded 2-core machine without
  // leaving a supervisor blind for long when tmux hangs.
  connectTimeoutMs: 5_000,
  // A wait-for that blocked this long had a live server: its failure starts a fresh outage, so the
  // retries start again from the shortest delay.
  healthyWaitMs: 5_000,
  // Enough of tmux's stderr to explain a failed attach; a broken client cannot grow it without bound.
  stderrChars: 2_000,
  // A command over the attached client (a capture) answers in about a millisecond; past this, the
  // caller falls back to a tmux process of its own.
  commandTimeoutMs: 1_000,
} as const;

/** One line of control-mode output, classified. */
export type ControlEvent =
  { kind: 'reply'; ok: boolean; text: string } | { kind: 'notification'; name: string; line: string };

/**
 * Control mode answers every command with `%begin T N F`, its output, then `%end T N F` or
 * `%error T N F` (same three numbers). Notifications never appear inside a block, and a line inside
 * a block may itself start with `%`, so the block has to be tracked to tell the two apart.
 */
export class ControlParser {
  private block: { key: string; lines: string[] } | null = null;

  push(line: string): ControlEvent | null {
    if (this.block) {
      const end = /^%(end|error) (.*)$/.exec(line);
      if (!end || end[2] !== this.block.key) {
        this.block.lines.push(line);
        return null;
      }
      const text = this.block.lines.join('\n').trim();
      this.block = null;
      return { kind: 'reply', ok: end[1] === 'end', text };
    }
    const begin = /^%begin (\d+ \d+ \d+)$/.exec(line);
    if (begin) {
      this.block = { key: begin[1]!, lines: [] };
      return null;
    }
    if (!line.startsWith('%')) return null;
    const sp = line.indexOf(' ');
    return { kind: 'notification', name: sp === -1 ? line : line.slice(0, sp), line };
  }
}

export interface ControlClientOptions {
  spawner?: Spawner;
  clock?: Clock;
  connectTimeoutMs?: number;
}

/**
 * One tmux control-mode client on the hidden home session (DESIGN.md §4): `%sessions-changed` and
 * window-close notifications arrive at once, and a subscription pushes whole-fleet pane state at most
 * once a second. Every notification means "something changed": the supervisor reconciles.
 *
 * Events: 'changed' (reason), 'fleet' (FleetPane[]), 'closed' (a connection that connect() reported
 * as established ended: the server died or the client was killed; not emitted after close()).
 */
export class ControlClient extends EventEmitter {
  private child: ChildProcess | null = null;
  private readonly spawner: Spawner;
  private readonly clock: Clock;
  private readonly connectTimeoutMs: number;

  constructor(
    private readonly tmux: Tmux,
    o: ControlClientOptions = {},
  ) {
    super();
    this.spawner = o.spawner ?? nodeSpawner;
    this.clock = o.clock ?? backgroundClock;
    this.connectTimeoutMs = o.connectTimeoutMs ?? CONTROL.connectTimeoutMs;
  }

  /**
   * Makes sure the server and the home session exist, attaches, and subscribes to the fleet.
   * Resolves ok only once tmux confirmed both the attach and the subscription; otherwise a failure
   * with tmux's own words, and no client is left running.
   */
  async connect(): Promise<Result<void>> {
    this.close();
    const home = await this.ensureHomeSession();
    if (!home.ok) return home;
    // The subscription rides on the attach command line, not on stdin: written to stdin right after
    // spawning it raced the attach and failed with "no current client" (tmux 3.3a: 2/20 on a fresh
    // server, 7/20 on a running one; 20/20 fine on the command line). `;` is its own argv element,
    // so no shell and no escaping are involved.
    const args = [
      '-S',
      this.tmux.socket,
      '-f',
      this.tmux.confPath,
      '-C',
      'attach-session',
      '-f',
      'no-output,ignore-size',
      '-t',
      `=${HOME_SESSION}`,
      ';',
      'refresh-client',
      '-B',
      `${SUBSCRIPTION}::${FLEET_FORMAT}`,
    ];
    const child = this.spawner(this.tmux.bin, args, { env: tmuxEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    return new Promise((resolve) => {
      const parser = new ControlParser();
      const steps = ['attach to the home session', 'subscribe to fleet changes'];
      let replies = 0;
      let settled = false;
      let stderr = '';
      const finish = (r: Result<void>) => {
        if (settled) return;
        settled = true;
        timer.dispose();
        if (!r.ok) {
          if (this.child === child) this.child = null;
          child.kill('SIGTERM');
        }
        resolve(r);
      };
      const timer = this.clock.setTimeout(
        () =>
          finish(
            err(
              'TMUX_FAILED',
              `tmux did not confirm the supervisor's control client within ${this.connectTimeoutMs} ms (${steps[Math.min(replies, 1)]})`,
            ),
          ),
        this.connectTimeoutMs,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const ev = parser.push(line);
        if (!ev) return;
        if (ev.kind === 'notification') {
          if (this.child === child) this.onNotification(ev.name, ev.line);
          return;
        }
        if (settled) {
          // The reply to a command() sent after connecting (tmux answers in order).
          const p = this.pending.shift();
          if (p && !p.done) {
            p.done = true;
            p.timer.dispose();
            p.resolve(ev.ok ? ok(ev.text) : err('TMUX_FAILED', ev.text || 'tmux refused the command'));
          }
          return;
        }
        const step = steps[replies++] ?? 'run a command';
        if (!ev.ok) finish(err('TMUX_FAILED', `tmux could not ${step}: ${ev.text || 'no reason given'}`));
        else if (replies === steps.length) {
          this.ready = child;
          finish(ok(undefined));
        }
      });
      child.stderr!.on('data', (b: Buffer) => {
        if (stderr.length < CONTROL.stderrChars) stderr += b.toString('utf8');
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        finish(
          e.code === 'ENOENT'
            ? err('TMUX_MISSING', `tmux was not found on PATH: ${TMUX_INSTALL_HINT}`)
            : err('TMUX_FAILED', `could not run tmux: ${e.message}`),
        );
      });
      child.on('close', (code) => {
        if (!settled) {
          const why = stderr.trim().slice(0, CONTROL.stderrChars) || `tmux exited with ${code}`;
          finish(err('TMUX_FAILED', `tmux could not ${steps[Math.min(replies, 1)]}: ${why}`));
        } else if (this.child === child) {
          this.child = null;
          this.failPending();
          this.emit('closed');
        }
      });
      child.stdin!.on('error', () => {
        // EPIPE when the server died under us: 'close' follows and reports it
      });
    });
  }

  /**
   * Runs one tmux command over the attached client: no process is spawned, so a capture costs about a
   * millisecond instead of a tmux start (~20 ms on a loaded 2-core machine), which is what the exit fast
   * path needs. Arguments are carried as plain words or single-quoted (see controlWord).
   */
  command(args: string[]): Promise<Result<string>> {
    const c = this.ready;
    const words = args.map(controlWord);
    if (!c || c !== this.child || !c.stdin || words.includes(null))
      return Promise.resolve(err('TMUX_FAILED', 'no control client (or an argument it cannot carry)'));
    return new Promise((resolve) => {
      // A reply that does not come in time is given up on, but its place in the queue is kept, so the
      // late reply is not handed to the next command.
      const entry = {
        done: false,
        resolve,
        timer: this.clock.setTimeout(() => {
          entry.done = true;
          resolve(err('TMUX_FAILED', 'tmux did not answer the control client in time'));
        }, CONTROL.commandTimeoutMs),
      };
      this.pending.push(entry);
      c.stdin!.write(`${words.join(' ')}\n`);
    });
  }

  private ready: ChildProcess | null = null;
  private readonly pending: { done: boolean; resolve: (r: Result<string>) => void; timer: Disposable }[] = [];
  private failPending(): void {
    for (const p of this.pending.splice(0)) {
      if (p.done) continue;
      p.done = true;
      p.timer.dispose();
      p.resolve(err('TMUX_FAILED', 'the control client went away'));
    }
  }

  /** True while a confirmed (or connecting) client is running. */
  get connected(): boolean {
    return this.child !== null;
  }

  private async ensureHomeSession(): Promise<Result<void>> {
    if (await this.tmux.hasSession(HOME_SESSION)) return ok(undefined);
    // A shell loop, not `sleep infinity` (not portable to macOS); it only keeps the server alive.
    const r = await this.tmux.run([
      'new-session',
      '-d',
      '-s',
      HOME_SESSION,
      '-x',
      '80',
      '-y',
      '24',
      '--',
      '/bin/sh',
      '-c',
      'while :; do sleep 86400; done',
    ]);
    if (!r.ok && r.error.code === 'TMUX_MISSING') return r;
    // Checked even when new-session "succeeded": with its socket directory gone tmux 3.3a prints
    // "error creating ..." and still exits 0.
    if (await this.tmux.hasSession(HOME_SESSION)) return ok(undefined);
    const why = !existsSync(dirname(this.tmux.socket))
      ? `${dirname(this.tmux.socket)} no longer exists`
      : r.ok
        ? 'the home session did not appear'
        : r.error.message;
    return err('TMUX_FAILED', `could not start the supervisor's tmux server on ${this.tmux.socket}: ${why}`);
  }

  private onNotification(kind: string, line: string): void {
    switch (kind) {
      case '%subscription-changed': {
        const i = line.indexOf(' : ');
        if (i !== -1 && line.startsWith(`%subscription-changed ${SUBSCRIPTION} `))
          this.emit('fleet', parseFleet(line.slice(i + 3)));
        break;
      }
      case '%sessions-changed':
      case '%session-changed':
      case '%window-close':
      case '%unlinked-window-close':
      case '%window-add':
      case '%unlinked-window-add':
      case '%session-renamed':
      case '%exit':
        this.emit('changed', kind);
        break;
      default:
        break; // %output, %layout-change and the rest say nothing about the fleet
    }
  }

  /** Ends the client; no 'closed' follows (the caller knows). */
  close(): void {
    const c = this.child;
    this.child = null;
    this.failPending();
    if (c) {
      c.stdin?.end();
      c.kill('SIGTERM');
    }
  }
}

/** One argument as a word of a control-mode command line: plain words as they are, our own formats
 * (tabs, braces, `?`) in single quotes, which tmux takes literally. Anything with a quote or a line
 * break cannot be carried: null (the caller runs a tmux process instead). */
export function controlWord(arg: string): string | null {
  if (/^[-=:@%#.\w]+$/.test(arg)) return arg;
  if (arg === '' || /['\n\r\\]/.test(arg)) return null;
  return `'${arg}'`;
}

/** The control directory was removed (uninstalled, `rm -rf ~/.workcells`, a test's cleanup): tmux
 * cannot be brought back there, so a supervisor should stop instead of retrying forever. */
export function homeGone(dir: Pick<ControlDir, 'root'>): boolean {
  return !existsSync(dir.root);
}

export interface ExitWaiterOptions {
  channel?: string;
  spawner?: Spawner;
  clock?: Clock;
  /** Asked after each failed wait; true stops the waiter and emits 'gone'. */
  homeGone?: () => boolean;
}

/** Blocks in `tmux wait-for sv-exit` (signalled by a wrapper that could not write its marker) in a loop; each
 * wake is the exit fast path. A signal with no waiter is kept by tmux, so none is lost between waits.
 *
 * Events: 'exit' (a wake; also when the server dies, where wait-for exits 0 too: a reconcile finds
 * out which), 'gone' (homeGone() said so; the waiter has stopped). */
export class ExitWaiter extends EventEmitter {
  private child: ChildProcess | null = null;
  private stopped = false;
  private readonly channel: string;
  private readonly spawner: Spawner;
  private readonly clock: Clock;
  private readonly backoff: Backoff;

  constructor(
    private readonly tmux: Tmux,
    private readonly o: ExitWaiterOptions = {},
  ) {
    super();
    this.channel = o.channel ?? 'sv-exit';
    this.spawner = o.spawner ?? nodeSpawner;
    this.clock = o.clock ?? backgroundClock;
    this.backoff = new Backoff({ clock: this.clock });
  }

  start(): void {
    if (this.stopped || this.child) return;
    const started = this.clock.now();
    const child = this.spawner(this.tmux.bin, ['-S', this.tmux.socket, 'wait-for', this.channel], {
      env: tmuxEnv(),
      stdio: 'ignore',
    });
    this.child = child;
    child.on('error', () => {
      // tmux missing: 'close' follows and the retry backs off
    });
    child.on('close', (code) => {
      if (this.child === child) this.child = null;
      if (this.stopped) return;
      if (code === 0) {
        this.backoff.reset();
        this.emit('exit');
        this.start();
        return;
      }
      // No server (killed, or not yet brought back by the control client): back off, so a server
      // gone for good costs one spawn per 30 s instead of a spin.
      if (this.clock.now() - started >= CONTROL.healthyWaitMs) this.backoff.reset();
      if (this.o.homeGone?.()) {
        this.stop();
        this.emit('gone');
        return;
      }
      this.backoff.schedule(() => this.start());
    });
  }

  /** Failed waits since the last good one (for logs and tests). */
  get failures(): number {
    return this.backoff.attempts;
  }

  stop(): void {
    this.stopped = true;
    this.backoff.cancel();
    this.child?.kill('SIGTERM');
    this.child = null;
  }
}
