import {
  execFile,
  spawn,
  type ChildProcess,
  type ExecFileOptions,
  type SpawnOptions,
} from 'node:child_process';
import { dirname, join } from 'node:path';
import { shQuote } from '../common/shellQuote.js';
import { scrubEnv, secretEnvNames } from './agentEnv.js';
import { ControlDir, RUN_FILES } from './paths.js';
import { err, ok, type Result } from './result.js';

/** The seam for the outside world (STYLE.md): tests can assert the exact argv. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
  /** ENOENT and friends: the program itself could not be started. */
  spawnError?: NodeJS.ErrnoException;
}
export type Executor = (file: string, args: string[], opts?: ExecFileOptions) => Promise<ExecResult>;

export const execFileExecutor: Executor = (file, args, opts) =>
  new Promise((resolve) => {
    // Node refuses an argument holding a NUL byte by throwing, with the argument in the message: turn
    // that into a value whose message holds no user text (callers check user text before this).
    const nul = args.findIndex((a) => a.includes('\0'));
    if (nul !== -1) {
      const e: NodeJS.ErrnoException = new Error(`argument ${nul} holds a NUL byte`);
      e.code = 'ERR_INVALID_ARG_VALUE';
      resolve({ stdout: '', stderr: '', code: -1, spawnError: e });
      return;
    }
    execFile(
      file,
      args,
      { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...opts },
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (e && typeof e.code === 'string') {
          resolve({ stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), code: -1, spawnError: e });
          return;
        }
        resolve({
          stdout: String(stdout),
          stderr: String(stderr),
          code: e ? (typeof e.code === 'number' ? e.code : 1) : 0,
        });
      },
    );
  });

/** The seam for long-lived tmux clients (control mode, wait-for): tests count or fake the spawns. */
export type Spawner = (file: string, args: string[], opts: SpawnOptions) => ChildProcess;
export const nodeSpawner: Spawner = (file, args, opts) => spawn(file, args, opts);

/** Environment for every tmux client we run: without TMUX, so a call made from inside the user's tmux
 * talks to our socket and never to their server. */
export function tmuxEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  delete out.TMUX;
  delete out.TMUX_PANE;
  return out;
}

/** tmux splits its argv on any argument that ends in `;` (measured on 3.3a): escape that one character.
 * `a;` -> `a\;` comes out as `a;` inside the pane; nothing else in an argument is touched. */
export function escapeTmuxArg(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** A path as one argument in a tmux config file, for `source-file`: tmux expands `$VAR`, `~` and
 * backslash escapes in double quotes and `#` starts a comment outside them, and source-file passes the
 * path to glob(3). So glob characters are escaped for glob, then every byte that is not plainly safe is
 * written as tmux's `\ooo` octal escape inside double quotes: no `$`, quote, `#`, newline or backslash
 * of the path is left for tmux to read. Measured on 3.3a with `$()`, backticks, `#()`, `#{}`, quotes,
 * `;`, `~`, `*`, `[`, newlines and UTF-8: each file sourced exactly once, nothing run. */
export function tmuxConfPath(path: string): string {
  const globSafe = path.replace(/[\\*?[]/g, '\\$&');
  let out = '"';
  for (const b of Buffer.from(globSafe, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9/._-]/.test(c) ? c : `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** A path we own inside the one shell string tmux requires for pipe-pane: single-quoted for the
 * shell, then `#` and `%` doubled, because tmux expands formats (`#()` runs a command) and strftime
 * escapes in that string first (measured on 3.3a: a home with `%%` logged to the wrong file). */
export function pipePaneCommand(command: string, path: string): string {
  return `${command} ${shQuote(path).replace(/[#%]/g, '$&$&')}`;
}

/** The pipe-pane command that appends the pane's output to agent.log: plain `cat` (2 MB, starts in a
 * millisecond). The supervisor rotates agent.log by renaming it and issuing this again (logRotation.ts). */
export function agentLogPipe(runDir: string): string {
  return pipePaneCommand('exec cat >>', join(runDir, RUN_FILES.log));
}

export const TMUX_MIN = { major: 3, minor: 2 } as const;
export const TMUX_INSTALL_HINT =
  'install tmux 3.2 or newer: `apt install tmux` (Debian/Ubuntu), `brew install tmux` (macOS)';

export interface PaneInfo {
  session: string;
  pid: number;
  dead: boolean;
  deadStatus: number | null;
  deadSignal: number | null;
  activity: number;
  width: number;
  height: number;
  currentCommand: string;
  title: string;
}

// One format for the whole fleet; the title goes last because it is free text and may hold tabs.
const PANE_FORMAT = [
  '#{session_name}',
  '#{pane_pid}',
  '#{pane_dead}',
  '#{pane_dead_status}',
  '#{pane_dead_signal}',
  '#{window_activity}',
  '#{pane_width}',
  '#{pane_height}',
  '#{pane_current_command}',
  // The wrapper's exit code where exit.json could not be written (home.ts): tmux's own status is
  // empty when pipe-pane was on.
  '#{@workcell_exit}',
  '#{pane_title}',
].join('\t');

export function parsePanes(stdout: string): PaneInfo[] {
  const panes: PaneInfo[] = [];
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const f = line.split('\t');
    if (f.length < 11) continue;
    const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));
    panes.push({
      session: f[0]!,
      pid: Number(f[1]),
      dead: f[2] === '1',
      deadStatus: num(f[3]) ?? num(f[9]),
      deadSignal: num(f[4]),
      activity: Number(f[5]) || 0,
      width: Number(f[6]) || 0,
      height: Number(f[7]) || 0,
      currentCommand: f[8] ?? '',
      title: f.slice(10).join('\t'),
    });
  }
  return panes;
}

/** "no server running" and a missing socket both mean: there are no sessions. */
function isNoServer(stderr: string): boolean {
  return /no server running|error connecting to|No such file or directory|server exited unexpectedly|lost server/i.test(
    stderr,
  );
}

/** The last `n` lines of a capture that carry text: blank rows of a tall pane never count against the
 * cut (a one-line "Not logged in" at the top of a 60-row dead pane must survive a 40-line excerpt). */
export function textLines(capture: string, n: number): string {
  return capture
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}

/** A client for the supervisor's own tmux server. Always `-S <socket>`, never the user's default. */
export class Tmux {
  constructor(
    readonly socket: string,
    readonly confPath: string,
    private readonly exec: Executor = execFileExecutor,
    readonly bin: string = 'tmux',
  ) {}

  /** Set by the supervisor while its control client is attached: the reads it makes many of (list-panes
   * per reconcile, capture-pane per look) go through that client and start no process. A CPU profile
   * of a 100-exit burst had tmux process starts as the daemon's largest cost (~19 s of CPU). Any
   * failure there falls back to a tmux process. */
  fast: ((args: string[]) => Promise<Result<string>>) | null = null;

  private async read(args: string[]): Promise<Result<string> | null> {
    if (!this.fast) return null;
    const r = await this.fast(args);
    return r.ok ? r : null;
  }

  async run(args: string[]): Promise<Result<string>> {
    // The commands that start a server (new-session) come through here, and a server keeps its
    // starter's environment for every pane: so no variable of ours and no notifier secret goes along
    // (agentEnv.ts). The socket lives in the control directory, beside settings.json.
    const env = scrubEnv(process.env, secretEnvNames(new ControlDir(dirname(this.socket))));
    const r = await this.exec(this.bin, ['-S', this.socket, '-f', this.confPath, ...args], { env });
    if (r.spawnError) {
      if (r.spawnError.code === 'ENOENT')
        return err('TMUX_MISSING', `tmux was not found on PATH: ${TMUX_INSTALL_HINT}`);
      return err('TMUX_FAILED', `could not run tmux: ${r.spawnError.message}`);
    }
    if (r.code !== 0)
      return err('TMUX_FAILED', (r.stderr || r.stdout).trim() || `tmux exited with ${r.code}`);
    return ok(r.stdout);
  }

  /** Checks presence and version: every command calls this first so a missing tmux is one clear message.
   * A good answer is kept for this client's life: the CLI checks, then `start` checks again, and each
   * check was a process on the start path. A failure is asked again (tmux installed meanwhile). */
  async checkVersion(): Promise<Result<string>> {
    const known = this.versionOk;
    if (known) return known;
    const r = await this.readVersion();
    if (r.ok) this.versionOk = r;
    return r;
  }
  private versionOk: Result<string> | null = null;

  private async readVersion(): Promise<Result<string>> {
    const r = await this.exec(this.bin, ['-V'], { env: tmuxEnv() });
    if (r.spawnError) return err('TMUX_MISSING', `tmux was not found on PATH: ${TMUX_INSTALL_HINT}`);
    const v = r.stdout.trim();
    const m = /tmux (?:next-)?(\d+)\.(\d+)/.exec(v);
    if (!m) return ok(v); // a development build ("tmux master"): assume new enough
    const major = Number(m[1]);
    const minor = Number(m[2]);
    if (major < TMUX_MIN.major || (major === TMUX_MIN.major && minor < TMUX_MIN.minor)) {
      return err('TMUX_TOO_OLD', `${v} is too old: ${TMUX_INSTALL_HINT}`);
    }
    return ok(v);
  }

  /** Every pane of every session in ONE call. An absent server is an empty fleet, not an error. */
  async listPanes(): Promise<Result<PaneInfo[]>> {
    const viaClient = await this.read(['list-panes', '-a', '-F', PANE_FORMAT]);
    if (viaClient?.ok) return ok(parsePanes(viaClient.value));
    const r = await this.exec(this.bin, ['-S', this.socket, 'list-panes', '-a', '-F', PANE_FORMAT], {
      env: tmuxEnv(),
    });
    if (r.spawnError) return err('TMUX_MISSING', `tmux was not found on PATH: ${TMUX_INSTALL_HINT}`);
    if (r.code !== 0) {
      if (isNoServer(r.stderr)) return ok([]);
      return err('TMUX_FAILED', r.stderr.trim());
    }
    return ok(parsePanes(r.stdout));
  }

  async hasSession(name: string): Promise<boolean> {
    const r = await this.exec(this.bin, ['-S', this.socket, 'has-session', '-t', `=${name}`], {
      env: tmuxEnv(),
    });
    return r.code === 0;
  }

  async killSession(name: string): Promise<Result<string>> {
    return this.run(['kill-session', '-t', `=${name}`]);
  }

  /** The last `lines` lines of several dead panes in ONE tmux call (capture-pane commands chained
   * with a separator line). A session that vanished in between ends the chain: the rest are missing
   * from the map and the caller falls back to the log. */
  async captureDead(names: string[], lines: number): Promise<Map<string, string>> {
    // Not starting with "-": display-message would take it for flags ("invalid flag --") and the
    // whole chain would fail.
    const sep = `::workcell-capture-${process.pid}-${Date.now()}::`;
    const args: string[] = [];
    for (const n of names)
      args.push(
        'capture-pane',
        '-p',
        '-J',
        '-S',
        '-',
        '-t',
        `=${n}:`,
        ';',
        'display-message',
        '-p',
        sep,
        ';',
      );
    args.pop();
    const r = await this.exec(this.bin, ['-S', this.socket, ...args], { env: tmuxEnv() });
    const out = new Map<string, string>();
    const parts = r.stdout.split(`${sep}\n`);
    names.forEach((n, i) => {
      const part = parts[i];
      if (part === undefined || (i === parts.length - 1 && r.code !== 0)) return;
      // The last `lines` lines that carry text: on a tall pane a one-line error above 40 blank lines
      // ("Not logged in") must survive the cut.
      out.set(n, textLines(part, lines));
    });
    return out;
  }

  /** The screen (or the last `lines` lines) of a pane, without attaching. Dead panes are captured from
   * the top of history because the "Pane is dead" line scrolls the screen (DESIGN.md §4). */
  async capture(
    name: string,
    opts: { lines?: number; ansi?: boolean; dead?: boolean } = {},
  ): Promise<Result<string>> {
    const args = ['capture-pane', '-p', '-t', `=${name}:`];
    if (opts.ansi) args.push('-e');
    else args.push('-J');
    if (opts.dead) args.push('-S', '-');
    else if (opts.lines) args.push('-S', String(-opts.lines));
    // Plain text only through the control client: escape sequences (-e) stay on the process path.
    return (!opts.ansi && (await this.read(args))) || this.run(args);
  }
}
