// One conformance case: a real vendor CLI in a pane of a private tmux server (the test fixture's temp
// WORKCELLS_HOME), pointed at the loopback mock with one scenario, captured at the moments the mock's
// log makes certain (mid-stream, at the dialog, after the error, after exit).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leakedProcesses, makeHome, waitFor } from '../fixture.js';
import { readHookEvents } from '../../agents/hooks.js';
import { Tmux } from '../../tmux.js';
import {
  startMockApi,
  closedPort,
  ANSWER_TEXT,
  type MockApi,
  type MockEvent,
  type Scenario,
} from './mockApi.js';
import { QUESTION_TEXT } from './mockTools.js';
import { captureId, type Capture, type Moment, type TruthLabel } from './capture.js';
import type { Mode, Vendor } from './vendors.js';
import { collectSources, installHooks } from './sources.js';
import { cacheRoot } from './install.js';

export interface CaseSpec {
  vendor: Vendor;
  bin: string;
  cliVersion: string;
  /** Vendor.companion's install dir in the cache (run.ts installs it). */
  companion?: string;
  scenario: Scenario;
  mode: Mode;
  width: number;
  height: number;
}

export interface CaseResult {
  captures: Capture[];
  /** Why a moment was not captured (the CLI never got there): reported, never labelled. */
  notes: string[];
  /** The case cannot be run for this CLI (e.g. no token mode against the mock): not a failure. */
  skipped?: string;
}

const ERROR_TRUTH: Partial<Record<Scenario, TruthLabel>> = {
  usage_limit: 'usage_limit',
  plain_429: 'throttled',
  auth_401: 'auth',
  expired_oauth: 'auth',
  overloaded: 'api_error',
  server_500: 'api_error',
  refused: 'network',
};

// Tunables, each the shortest that measured stable on a 2-core machine shared with other work.
const T = {
  firstRequestMs: 90_000, // CLIs start slowly (opencode waits ~15 s for models.dev, copilot unpacks itself)
  settleMs: 1_500, // a screen unchanged this long has finished drawing
  afterErrorMs: 6_000, // long enough for the CLI to draw its error or its retry line
  exitMs: 60_000, // a headless run that gave up, or a retry loop that ended
  midStreamMs: 4_000,
} as const;

const PROMPTS: Partial<Record<Scenario, string>> = {
  permission: 'Create the file conformance-marker.txt with a shell command.',
  question: 'Ask me which color to use, then create the marker file.',
};

const squash = (s: string) => s.replace(/\s+/g, '');

export async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const { vendor, scenario, mode, width, height } = spec;
  if (scenario === 'expired_oauth' && vendor.noTokenMode)
    return { captures: [], notes: [], skipped: `no token mode against the mock: ${vendor.noTokenMode}` };
  const home = makeHome('wcc-');
  const notes: string[] = [];
  const captures: Capture[] = [];
  let mock: MockApi | null = null;
  let privateDir: string | null = null;
  try {
    const root = home.dir.root;
    const hdir = join(root, 'h');
    const cwd = join(root, 'work');
    mkdirSync(hdir, { recursive: true });
    mkdirSync(cwd, { recursive: true });
    // Whole minutes, so a parsed reset time can be compared to the minute.
    const resetAt = Math.floor(Date.now() / 60_000) * 60 + (2 * 60 + 17) * 60;
    if (scenario !== 'refused') mock = await startMockApi({ scenario, resetAt });
    const baseUrl = mock ? mock.url : `http://127.0.0.1:${await closedPort()}`;
    const blackhole = `http://127.0.0.1:${await closedPort()}`;
    const prompt = PROMPTS[scenario] ?? 'Say hello.';
    // The product's run dir is under WORKCELLS_HOME; here it is under the (private) CLI cache, not the
    // temp home: gemini-cli 0.61 skips a system-defaults file (our hooks) when any parent directory is
    // writable by group or others ("Parent directory '/tmp' is insecure"), so under /tmp no hook fires.
    const runDir = (privateDir = mkdtempSync(join(privateRunRoot(), 'run-')));
    const hooks = await installHooks(vendor, runDir);
    const oauth = scenario === 'expired_oauth' || Boolean(vendor.oauthAlso?.includes(scenario));
    const s = vendor.setup({
      home: hdir,
      cwd,
      baseUrl,
      mode,
      prompt,
      oauth,
      hookArgs: hooks.args,
      ...(spec.companion ? { companion: spec.companion } : {}),
    });
    const streamFile = mode === 'stream_json' ? join(root, 'stream.jsonl') : undefined;
    // A clean environment: throwaway HOME, UTC, and every other host behind a dead proxy, so nothing
    // but 127.0.0.1 is reachable for a CLI that honours proxies.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: hdir,
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      TERM: 'screen-256color',
      XDG_CONFIG_HOME: join(hdir, '.config'),
      XDG_DATA_HOME: join(hdir, '.local', 'share'),
      XDG_CACHE_HOME: join(hdir, '.cache'),
      XDG_STATE_HOME: join(hdir, '.local', 'state'),
      HTTP_PROXY: blackhole,
      HTTPS_PROXY: blackhole,
      http_proxy: blackhole,
      https_proxy: blackhole,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      ...hooks.env,
      ...s.env,
    };
    const conf = join(root, 'conformance.tmux.conf');
    writeFileSync(conf, 'set -g remain-on-exit on\nset -g history-limit 5000\nset -g status off\n');
    const tmux = new Tmux(home.dir.socket, conf);
    const kv = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const statusFile = join(root, 'exit-status');
    const started = await tmux.run([
      'new-session',
      '-d',
      '-s',
      'cc',
      '-x',
      String(width),
      '-y',
      String(height),
      '-c',
      cwd,
      '--',
      // tmux 3.3a sometimes marks a pane dead (its pty closed) without ever reporting the exit status
      // (seen for claude -p, gemini -p, copilot -p, opencode run): a tiny shell records it, as the
      // workcell wrapper does. The script is constant; the status file and argv arrive as parameters.
      // stream_json also keeps the stream in a file (through tee, so the pane still shows it).
      'sh',
      '-c',
      streamFile
        ? 't=$1; shift; { "$@"; echo "$?" > "$0"; } | tee "$t"; exit "$(cat "$0")"'
        : '"$@"; s=$?; echo "$s" > "$0"; exit "$s"',
      statusFile,
      ...(streamFile ? [streamFile] : []),
      'env',
      '-i',
      ...kv,
      spec.bin,
      ...s.args,
    ]);
    if (!started.ok) return { captures, notes: [`tmux: ${started.error.message}`] };

    const pane = async () => {
      const r = await tmux.listPanes();
      const p = r.ok ? r.value.find((x) => x.session === 'cc') : undefined;
      if (!p?.dead || p.deadStatus !== null) return p;
      const recorded = readStatus(statusFile);
      return recorded === null ? p : { ...p, deadStatus: recorded };
    };
    const screenOf = async (dead: boolean) => {
      const r = await tmux.capture('cc', dead ? { dead: true } : {});
      return r.ok ? r.value.replace(/\n+$/, '') : '';
    };
    const take = async (moment: Moment, label: TruthLabel, why: string): Promise<Capture | null> => {
      const p = await pane();
      if (!p) return null;
      const c: Capture = {
        id: captureId({ vendor: vendor.name, mode, scenario, width, height, moment }),
        vendor: vendor.name,
        cliVersion: spec.cliVersion,
        scenario,
        mode,
        width,
        height,
        moment,
        capturedAt: new Date().toISOString(),
        screen: await screenOf(p.dead),
        title: p.title,
        dead: p.dead,
        exitStatus: p.dead ? p.deadStatus : null,
        exitSignal: p.dead ? p.deadSignal : null,
        truth: {
          label,
          why,
          ...(label === 'usage_limit' ? { resetAt: new Date(resetAt * 1000).toISOString() } : {}),
        },
        mock: (mock?.events ?? []).slice(-30),
        ...(await collectSources({ vendor, home: hdir, runDir, ...(streamFile ? { streamFile } : {}) })),
      };
      captures.push(c);
      return c;
    };
    const event = (pred: (e: MockEvent) => boolean) => () => mock?.events.find(pred);
    const settled = async (ms = T.settleMs) => {
      let last = '';
      let since = Date.now();
      // A spinner or timer may never stop: after 20 s the screen is as settled as it gets.
      await waitFor(
        async () => {
          const p = await pane();
          const now = `${p?.dead}|${p?.title}|${await screenOf(Boolean(p?.dead))}`;
          if (now !== last) [last, since] = [now, Date.now()];
          return Date.now() - since >= ms;
        },
        20_000,
        'a settled screen',
      ).catch(() => {
        // still animating: capture it as it is
      });
    };
    // tmux marks a pane dead when its pty closes, which can come before the process's exit status:
    // wait for the status too (claude -p and copilot -p keep running a while after their output closed)
    // so a capture never records a dead pane as exit-less.
    let deadSeen = 0;
    const deadWithin = async (ms: number) => {
      try {
        return await waitFor(
          async () => {
            const p = await pane();
            if (!p?.dead) return null;
            deadSeen ||= Date.now();
            return p.deadStatus !== null || p.deadSignal !== null || Date.now() - deadSeen > 15_000
              ? true
              : null;
          },
          ms,
          'exit',
        );
      } catch {
        // still alive after ms: the caller decides what that means
        return false;
      }
    };
    const tryWait = async <X>(fn: () => X | undefined, ms: number, what: string): Promise<X | null> => {
      try {
        return await waitFor(fn, ms, what);
      } catch {
        const p = await pane();
        const screen = (await screenOf(Boolean(p?.dead)))
          .split('\n')
          .filter((l) => l.trim())
          .slice(-6)
          .join(' | ');
        notes.push(
          `no ${what} (dead=${p?.dead} exit=${p?.deadStatus}; mock: ${(mock?.events ?? []).map((e) => `${e.action}${e.status ?? ''}`).join(',') || 'nothing'}): ${screen}`,
        );
        return null;
      }
    };

    const errTruth = ERROR_TRUTH[scenario];
    if (errTruth) {
      const why =
        scenario === 'refused'
          ? 'nothing listens on the base URL'
          : `the mock answered every request with ${scenario}`;
      if (
        scenario !== 'refused' &&
        !(await tryWait(
          event((e) => e.action === 'error'),
          T.firstRequestMs,
          'request',
        ))
      )
        return { captures, notes };
      // The clock starts at the failed *turn* (a request carrying tools), not at a side request: CLIs
      // fail a title or topic request first, and opencode run sends its turn seconds after its failed
      // title, so a capture timed from the title caught a CLI that had not been told anything about its
      // turn yet, labelled by what the mock was about to do. A CLI whose turn never comes within 20 s
      // keeps the first error's clock.
      if (scenario !== 'refused')
        await waitFor(
          event((e) => e.action === 'error' && e.main),
          20_000,
          'a failed turn',
        ).catch(() => {
          // only side requests failed so far: time from those
        });
      // refused: nothing listens, so no request marks the error. The clock starts once the CLI shows
      // it is up (a first screen, or a first hook event: its first attempt follows within seconds);
      // timed from the launch, a start slowed by load was captured before any attempt (a blank
      // screen, or claude -p 0.1 s after its UserPromptSubmit) and labelled a network error that
      // nothing could show yet. A CLI that prints nothing and has no hooks gets 30 s.
      if (scenario === 'refused') {
        const up = async () =>
          squash(await screenOf(false)).length > 0 ||
          ((await readHookEvents(runDir).catch(() => null))?.events.length ?? 0) > 0 ||
          undefined;
        await waitFor(up, 30_000, 'a first screen or hook event').catch(() => {
          // headless and silent (copilot -p): 30 s is past its first attempt
        });
      }
      await new Promise((r) => setTimeout(r, scenario === 'refused' ? 10_000 : T.afterErrorMs));
      if ((await pane())?.dead) await deadWithin(5_000);
      const first = await take('after_error', errTruth, why);
      if (first && !first.dead && (await deadWithin(mode !== 'interactive' ? T.exitMs : 20_000)))
        await take('after_exit', errTruth, why);
      else if (first && !first.dead) await take('settled', errTruth, `${why}; still on screen 20 s later`);
      return { captures, notes };
    }
    if (scenario === 'hang') {
      // The CLI's first screen (its banner, a prompt box before the prompt is sent, a spinner): a
      // start must never read as idle, waiting or an error. With the mock never answering, the CLI
      // is working from its first screen on, whenever its turn reaches the mock.
      const up = await tryWait(
        async () => squash(await screenOf(false)).length > 0 || undefined,
        T.firstRequestMs,
        'a first screen',
      );
      if (up)
        await take('just_started', 'working', 'the CLI has drawn its first screen; the mock never answers');
      if (
        await tryWait(
          event((e) => e.action === 'hang'),
          T.firstRequestMs,
          'request',
        )
      ) {
        await new Promise((r) => setTimeout(r, 8_000));
        await take('waiting_on_api', 'working', 'the mock accepted the request and never answers');
      }
      return { captures, notes };
    }
    if (scenario === 'slow_stream') {
      const st = await tryWait(
        event((e) => e.action === 'stream_start'),
        T.firstRequestMs,
        'stream',
      );
      if (st) {
        await new Promise((r) => setTimeout(r, T.midStreamMs));
        if (mock!.openStreams() > 0) await take('mid_stream', 'working', 'the mock is streaming the answer');
        else notes.push('the stream ended before the mid-stream capture');
      }
      return { captures, notes };
    }
    // text, permission, question
    const main = await tryWait(
      event((e) => e.main && !e.toolResult && ['text', 'tool_call', 'question_text'].includes(e.action)),
      T.firstRequestMs,
      'turn',
    );
    if (!main) return { captures, notes };
    if (mode !== 'interactive') {
      if (!(await deadWithin(T.exitMs))) return { captures, notes: [...notes, 'headless run did not exit'] };
      const p = await pane();
      if (p?.deadStatus === 0)
        await take('after_exit', 'done', `the mock answered (${main.action}) and the run exited 0`);
      else {
        const tail = (await screenOf(true))
          .split('\n')
          .filter((l) => l.trim())
          .slice(-4)
          .join(' | ');
        notes.push(
          `headless ${scenario} ended (status ${p?.deadStatus}, signal ${p?.deadSignal}) after a successful answer, not labelled: ${tail}`,
        );
      }
      return { captures, notes };
    }
    if (main.action === 'tool_call') {
      await settled();
      const answered = () => mock!.events.some((e) => e.toolResult);
      if (answered()) {
        notes.push(`the CLI answered the ${main.tool} call without asking`);
        return { captures, notes };
      }
      const c = await take(
        'at_dialog',
        'waiting',
        `the mock asked for ${main.tool}; no tool result came back`,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      if (c && answered()) {
        captures.pop();
        notes.push('a tool result arrived right after the dialog capture: dropped');
      }
      return { captures, notes };
    }
    const want = squash(main.action === 'question_text' ? QUESTION_TEXT : ANSWER_TEXT);
    const shown = await tryWait(
      async () => squash(await screenOf(false)).includes(want) || undefined,
      20_000,
      'answer on screen',
    );
    if (shown) {
      await settled();
      await take('answered', 'idle', `the mock answered (${main.action}) and the turn ended`);
    }
    return { captures, notes };
  } finally {
    await mock?.close();
    await endPane(home.dir.socket);
    // WORKCELL_CONFORMANCE_KEEP=<dir>: the CLI's throwaway HOME is copied there for a look at what it
    // wrote (logs, transcripts) before the case's home goes.
    const keep = process.env.WORKCELL_CONFORMANCE_KEEP;
    if (keep) {
      const to = join(keep, `${vendor.name}-${mode}-${scenario}-${width}x${height}`);
      cpSync(join(home.dir.root, 'h'), join(to, 'home'), { recursive: true, force: true });
      if (privateDir) cpSync(privateDir, join(to, 'run'), { recursive: true, force: true });
    }
    home.cleanup();
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    // codex 0.169 starts an app-server daemon of its own (its own session, under the throwaway HOME)
    // that outlives the pane: end every process still running from this case's home, by pid.
    for (const line of await leakedProcesses(home, 0)) {
      try {
        process.kill(Number(line.split(/\s+/)[0]), 'SIGKILL');
      } catch {
        // ESRCH: it ended meanwhile
      }
    }
  }
}

/** Ends the CLI and everything it started before the home is removed: killing the tmux server only
 * hangs up the pane, and a CLI still writing its HOME makes the removal fail. The pane's process is
 * its process group's leader (tmux starts it in a session of its own), so only ours is hit. */
async function endPane(socket: string): Promise<void> {
  const tmux = new Tmux(socket, '/dev/null');
  const panes = await tmux.listPanes();
  const pids = panes.ok ? panes.value.filter((p) => !p.dead).map((p) => p.pid) : [];
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group ended on its own meanwhile
    }
  }
  await waitFor(() => pids.every((pid) => !alive(pid)), 5_000, 'the CLI to end').catch(() => {
    // a process stuck in the kernel: the home's removal retries, and the run reports what failed
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone
    return false;
  }
}

function readStatus(file: string): number | null {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) ? n : null;
  } catch {
    // not written (yet): the CLI has not ended, or was killed before the shell could record it
    return null;
  }
}

/** <cache>/runs, created 0700: no parent of a run dir may be writable by others (gemini's check). */
function privateRunRoot(): string {
  const dir = join(cacheRoot(), 'runs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
