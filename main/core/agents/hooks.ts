// Per-workcell vendor hooks that call our sink (hookSink.ts), installed without touching the user's
// repo or home: Claude Code through a `--settings` file in the run dir, Codex through `-c notify=[...]`,
// Gemini CLI through a system-defaults settings file named by GEMINI_CLI_SYSTEM_DEFAULTS_PATH (lowest
// precedence; its hook lists are concatenated with the user's, measured on gemini-cli 0.61), opencode
// through a plugin named in OPENCODE_CONFIG_CONTENT (opencodePlugin.ts).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { tailLines } from '../fsutil.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentName } from '../../common/workcell.js';
import { HOOK_EVENTS_FILE, type HookEvent } from './hookSink.js';
import { shQuote } from '../../common/shellQuote.js';
import { opencodeConfigContent, opencodePluginSource } from './opencodePlugin.js';
import { CLAUDE_DEBUG_FILE, COPILOT_LOG_DIR, GEMINI_TELEMETRY_FILE } from './vendorLogs.js';

export type { HookEvent } from './hookSink.js';

/** The compiled sink next to this compiled module (dist/main/core/agents/hookSink.js). */
export const HOOK_SINK = fileURLToPath(new URL('./hookSink.js', import.meta.url));

export interface HookOptions {
  /** Node binary the hook runs (default: the one running us, so a hook works without node on PATH). */
  node?: string;
  sink?: string;
  /** opencode's plugin: installed only where opencode already has `@opencode-ai/plugin` (see
   * opencodePluginReady); true installs it regardless (the conformance suite puts that package in
   * place itself, as npm leaves it). */
  opencodePlugin?: boolean;
  /** Where opencode's config dir is looked up (HOME, XDG_CONFIG_HOME); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Whether opencode can load a plugin at once: with any plugin configured, opencode 1.18 first
 * installs `@opencode-ai/plugin` into its config dir from npm, and where npm cannot be reached that
 * held every start for ~75 s (measured offline). So the plugin is used only once that package is
 * there (opencode put it there on an earlier online start, or the user ran `npm i @opencode-ai/plugin`
 * in that dir); until then opencode workcells are read from the screen alone, as before. */
export function opencodePluginReady(env: NodeJS.ProcessEnv = process.env): boolean {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return existsSync(join(base, 'opencode', 'node_modules', '@opencode-ai', 'plugin', 'package.json'));
}

export interface PreparedHooks {
  /** Put before the user's extra args (the adapters do this via LaunchContext.hookArgs). */
  args: string[];
  env: Record<string, string>;
  settingsFile?: string;
}

// The hook command is a shell string the vendor runs: our paths go in through the one quoter.
export { shQuote };

/** A TOML basic string (JSON escapes are TOML escapes; DEL is a control character TOML also forbids). */
export function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\u007F');
}

// Claude events we record. PreToolUse/PostToolUse cost one node start per tool call (~160 ms measured on
// a loaded 2-core build machine): small next to a model round trip, and they tell "working" apart from
// "stuck" (each one is progress for the stall timer).
const CLAUDE_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'PermissionRequest',
  'Notification',
  'Stop',
  'StopFailure',
  'SubagentStop',
  'SessionEnd',
] as const;
const GEMINI_EVENTS = [
  'SessionStart',
  'BeforeAgent',
  'AfterAgent',
  'BeforeTool',
  'AfterTool',
  'Notification',
  'SessionEnd',
] as const;
// Claude kills a hook after its timeout (seconds); ours takes milliseconds, 10 s bounds a wedged disk.
const CLAUDE_HOOK_TIMEOUT_S = 10;
const GEMINI_HOOK_TIMEOUT_MS = 10_000;

function sinkCommand(runDir: string, vendor: string, o: HookOptions): string {
  return [o.node ?? process.execPath, o.sink ?? HOOK_SINK, runDir, vendor].map(shQuote).join(' ');
}

export function claudeSettings(runDir: string, o: HookOptions = {}): object {
  const command = sinkCommand(runDir, 'claude', o);
  const entry = (withMatcher: boolean) => ({
    ...(withMatcher ? { matcher: '*' } : {}),
    hooks: [{ type: 'command', command, timeout: CLAUDE_HOOK_TIMEOUT_S }],
  });
  const tools = new Set(['PreToolUse', 'PostToolUse', 'PermissionRequest']);
  return { hooks: Object.fromEntries(CLAUDE_EVENTS.map((e) => [e, [entry(tools.has(e))]])) };
}

export function geminiSettings(runDir: string, o: HookOptions = {}): object {
  const command = sinkCommand(runDir, 'gemini', o);
  const entry = {
    matcher: '*',
    hooks: [{ type: 'command', name: 'workcell-hook-sink', command, timeout: GEMINI_HOOK_TIMEOUT_MS }],
  };
  return { hooks: Object.fromEntries(GEMINI_EVENTS.map((e) => [e, [entry]])) };
}

/** Codex runs `notify` as an argv (no shell) with the JSON payload appended as the last argument. */
export function codexNotifyArg(runDir: string, o: HookOptions = {}): string {
  const argv = [o.node ?? process.execPath, o.sink ?? HOOK_SINK, runDir, 'codex'];
  return `notify=[${argv.map(tomlString).join(', ')}]`;
}

/** Whether the user runs gemini's telemetry themselves (a GEMINI_TELEMETRY_* variable, or
 * `telemetry.enabled` in ~/.gemini/settings.json): then their target stays theirs and the run goes
 * without the telemetry source (the screen still shows gemini's errors once it gives up). A settings
 * file that does not parse counts as theirs when it names telemetry at all. */
export function geminiTelemetryIsUsers(env: NodeJS.ProcessEnv): boolean {
  if (Object.keys(env).some((k) => k.startsWith('GEMINI_TELEMETRY_'))) return true;
  let text: string;
  try {
    // GEMINI_CLI_HOME moves gemini's whole ~/.gemini
    text = readFileSync(
      join(env.GEMINI_CLI_HOME ?? env.HOME ?? homedir(), '.gemini', 'settings.json'),
      'utf8',
    );
  } catch {
    // no user settings: nothing of theirs to keep
    return false;
  }
  try {
    const t = (JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as { telemetry?: { enabled?: unknown } })
      .telemetry;
    return t?.enabled === true;
  } catch {
    // comments or a typo gemini may still read: leave telemetry alone
    return /"telemetry"/.test(text);
  }
}

/** Whether the user debugs claude themselves (DEBUG, DEBUG_SDK, or a CLAUDE_CODE_DEBUG_* variable, all
 * of which claude 2.1 reads): their log and level stay as they set them. A `--debug` in the workcell's
 * own args is dropped from ours by the adapter (claudeUserDebugs). */
export function claudeDebugIsUsers(env: NodeJS.ProcessEnv): boolean {
  // claude reads these as switches ("1", "true", "yes", "on"); DEBUG=express:* is the debug module's
  const on = (v: string | undefined) => !!v && /^(?:1|true|yes|on)$/i.test(v.trim());
  return (
    on(env.DEBUG) || on(env.DEBUG_SDK) || Object.keys(env).some((k) => k.startsWith('CLAUDE_CODE_DEBUG_LOG'))
  );
}

/** Writes what a vendor needs to call our sink for this run and returns the argv/env to launch with.
 * Vendors without a hook mechanism we can install per run get empty args (pane text and timers only). */
export async function prepareHooks(
  agent: AgentName,
  runDir: string,
  opts: HookOptions = {},
): Promise<PreparedHooks> {
  const dir = join(runDir, 'hooks');
  switch (agent) {
    case 'claude': {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const settingsFile = join(dir, 'claude-settings.json');
      await writeFile(settingsFile, `${JSON.stringify(claudeSettings(runDir, opts), null, 2)}\n`, {
        mode: 0o600,
      });
      // Its debug log names the status of each failed request, which its retry line does not
      // (vendorLogs.ts), errors only. A user who turns claude's debugging on keeps it as theirs.
      const debug = claudeDebugIsUsers(opts.env ?? process.env)
        ? null
        : {
            args: ['--debug-file', join(dir, CLAUDE_DEBUG_FILE)],
            env: { CLAUDE_CODE_DEBUG_LOG_LEVEL: 'error' },
          };
      return {
        args: ['--settings', settingsFile, ...(debug?.args ?? [])],
        env: debug?.env ?? {},
        settingsFile,
      };
    }
    case 'codex':
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return { args: ['-c', codexNotifyArg(runDir, opts)], env: {} };
    case 'gemini': {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const settingsFile = join(dir, 'gemini-settings.json');
      await writeFile(settingsFile, `${JSON.stringify(geminiSettings(runDir, opts), null, 2)}\n`, {
        mode: 0o600,
      });
      return {
        args: [],
        env: {
          GEMINI_CLI_SYSTEM_DEFAULTS_PATH: settingsFile,
          ...(geminiTelemetryIsUsers(opts.env ?? process.env)
            ? {}
            : {
                // gemini retries a failing request in silence ("Thinking..."); its telemetry names
                // each failure (vendorLogs.ts). A file only: nothing leaves the machine.
                GEMINI_TELEMETRY_ENABLED: 'true',
                GEMINI_TELEMETRY_TARGET: 'local',
                GEMINI_TELEMETRY_OUTFILE: join(dir, GEMINI_TELEMETRY_FILE),
                GEMINI_TELEMETRY_LOG_PROMPTS: 'false',
              }),
        },
        settingsFile,
      };
    }
    case 'opencode': {
      if (!(opts.opencodePlugin ?? opencodePluginReady(opts.env))) return { args: [], env: {} };
      // A plugin named in OPENCODE_CONFIG_CONTENT (opencodePlugin.ts); it appends to events.jsonl itself.
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const settingsFile = join(dir, 'opencode-plugin.js');
      await writeFile(settingsFile, opencodePluginSource(runDir), { mode: 0o600 });
      return {
        args: [],
        env: { OPENCODE_CONFIG_CONTENT: opencodeConfigContent(settingsFile) },
        settingsFile,
      };
    }
    case 'copilot':
      // Its log names each failed model request (vendorLogs.ts), which its screen does not: kept in
      // the run dir, beside the rest of the run's trail.
      await mkdir(join(dir, COPILOT_LOG_DIR), { recursive: true, mode: 0o700 });
      return { args: ['--log-dir', join(dir, COPILOT_LOG_DIR)], env: {} };
    default:
      // copilot: hooks live in the repo (.github/hooks) or ~/.copilot (COPILOT_HOME would move its
      // login too): they cannot be installed per run without writing into the user's repo or home.
      return { args: [], env: {} };
  }
}

export interface HookRead {
  events: HookEvent[];
  /** Pass back as `sinceBytes` next time: only complete lines are consumed. */
  nextOffset: number;
}

// One tick of the supervisor never reads more than this; a backlog is drained over a few calls.
const MAX_READ_BYTES = 256 * 1024;

/** New hook events since `sinceBytes`. A missing file is no events. Malformed lines are skipped. */
export async function readHookEvents(runDir: string, sinceBytes = 0): Promise<HookRead> {
  const { lines, nextOffset } = await tailLines(
    join(runDir, 'hooks', HOOK_EVENTS_FILE),
    sinceBytes,
    MAX_READ_BYTES,
  );
  const events = lines.map(parseHookLine).filter((e): e is HookEvent => e !== null);
  return { events, nextOffset };
}

/** One line of events.jsonl, or null when it is not a whole event. The supervisor's reader and the
 * conformance scorer share it. */
export function parseHookLine(line: string): HookEvent | null {
  try {
    const ev = JSON.parse(line) as HookEvent;
    return ev && typeof ev.event === 'string' && typeof ev.at === 'string' ? ev : null;
  } catch {
    // a line torn by a crash mid-append: skip it, the next ones are whole
    return null;
  }
}
