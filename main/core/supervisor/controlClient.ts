import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { tmuxEnv, type Tmux } from '../tmux.js';

/** The hidden home session the control client attaches to. Not a valid workcell name (leading `_`). */
export const HOME_SESSION = '_sv';
const SUBSCRIPTION = 'svfleet';
// Entries and fields of the fleet subscription. Session names are validated workcell names; the title
// is free text and goes last, so only a title containing the entry separator can confuse one entry.
export const ENTRY_SEP = '|@|';
const FLEET_FORMAT = `#{S:#{W:#{P:#{session_name}|#{pane_pid}|#{pane_dead}|#{window_activity}|#{pane_title}${ENTRY_SEP}}}}`;

export interface FleetPane {
  session: string;
  pid: number;
  dead: boolean;
  activity: number;
  title: string;
}

/** Parses the value of the fleet subscription (control mode escapes control characters as \ooo). */
export function parseFleet(value: string): FleetPane[] {
  const text = value.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: FleetPane[] = [];
  for (const entry of text.split(ENTRY_SEP)) {
    if (!entry) continue;
    const f = entry.split('|');
    if (f.length < 5) continue;
    out.push({
      session: f[0]!,
      pid: Number(f[1]),
      dead: f[2] === '1',
      activity: Number(f[3]) || 0,
      title: f.slice(4).join('|'),
    });
  }
  return out;
}

/**
 * One tmux control-mode client on the hidden home session (DESIGN.md §4): `%sessions-changed` and
 * window-close notifications arrive at once, and a subscription pushes whole-fleet pane state at most
 * once a second. Every notification means "something changed": the supervisor reconciles.
 *
 * Events: 'changed' (reason), 'fleet' (FleetPane[]), 'closed' (the server or the client went away).
 */
export class ControlClient extends EventEmitter {
  private child: ChildProcessWithoutNullStreams | null = null;

  constructor(private readonly tmux: Tmux) {
    super();
  }

  /** Makes sure the server and the home session exist, then attaches. */
  async connect(): Promise<boolean> {
    if (!(await this.tmux.hasSession(HOME_SESSION))) {
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
      if (!r.ok && !(await this.tmux.hasSession(HOME_SESSION))) return false;
    }
    const child = spawn(
      this.tmux.bin,
      [
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
      ],
      { env: tmuxEnv(), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdin.write(`refresh-client -B '${SUBSCRIPTION}::${FLEET_FORMAT}'\n`);
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => this.onLine(line));
    child.stderr.resume();
    child.on('error', () => {
      // spawn failure (tmux vanished from PATH): reported as closed, the supervisor retries
    });
    child.on('close', () => {
      if (this.child === child) this.child = null;
      this.emit('closed');
    });
    child.stdin.on('error', () => {
      // EPIPE when the server died under us: 'close' follows and reconnects
    });
    return true;
  }

  private onLine(line: string): void {
    if (!line.startsWith('%')) return;
    const sp = line.indexOf(' ');
    const kind = sp === -1 ? line : line.slice(0, sp);
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
        this.emit('changed', kind);
        break;
      case '%exit':
        this.emit('changed', kind);
        break;
      default:
        break; // %begin/%end/%output and the rest say nothing about the fleet
    }
  }

  close(): void {
    const c = this.child;
    this.child = null;
    if (c) {
      c.stdin.end();
      c.kill('SIGTERM');
    }
  }
}

/** Blocks in `tmux wait-for sv-exit` (signalled by the wrapper and the pane-died hook) in a loop; each
 * wake is the exit fast path. A signal with no waiter is kept by tmux, so none is lost between waits. */
export class ExitWaiter extends EventEmitter {
  private child: ReturnType<typeof spawn> | null = null;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly tmux: Tmux,
    private readonly channel = 'sv-exit',
  ) {
    super();
  }

  start(): void {
    if (this.stopped || this.child) return;
    const started = Date.now();
    const child = spawn(this.tmux.bin, ['-S', this.tmux.socket, 'wait-for', this.channel], {
      env: tmuxEnv(),
      stdio: 'ignore',
    });
    this.child = child;
    child.on('error', () => {
      // tmux missing: 'close' follows; the retry backs off
    });
    child.on('close', (code) => {
      this.child = null;
      if (this.stopped) return;
      if (code === 0) {
        this.failures = 0;
        this.emit('exit');
        this.start();
      } else {
        // No server: retry with backoff (1 s .. 10 s); the control client brings the server back.
        this.failures += 1;
        const delay = Date.now() - started > 5_000 ? 0 : Math.min(10_000, 1_000 * this.failures);
        setTimeout(() => this.start(), delay).unref();
      }
    });
  }

  stop(): void {
    this.stopped = true;
    this.child?.kill('SIGTERM');
    this.child = null;
  }
}
