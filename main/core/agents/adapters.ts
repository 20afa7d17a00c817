import type { AgentName } from '../../common/workcell.js';

/** One adapter per vendor, as data plus small functions (DESIGN.md §6). The prompt is always one argv
 * element, never spliced into a shell string. Extra ARGS from the user go before the prompt so a
 * vendor flag the user adds (`--model x`) is parsed as a flag, not as part of the task. */
export interface AgentAdapter {
  name: AgentName;
  /** Executable looked up on PATH; for `command` it is the first ARG. */
  bin: string | null;
  install: string;
  /** Fresh launch with the brief as the task. */
  launch(prompt: string, extra: string[], ctx: LaunchContext): string[];
  /** Resume by vendor session id, or null when the CLI cannot. */
  resume?(sessionId: string, extra: string[], ctx?: Partial<LaunchContext>): string[];
  /** Continue the most recent session in this directory. */
  continueLast?(extra: string[], ctx?: Partial<LaunchContext>): string[];
  /** Resume by vendor session id in the non-interactive mode, with `prompt` as the next message: a
   * `--headless` workcell's next pass must exit when done too. */
  resumeHeadless?(sessionId: string, prompt: string, ctx?: Partial<LaunchContext>): string[];
}

export interface LaunchContext {
  runDir: string;
  /** A vendor session id we chose up front, when the CLI accepts one (claude --session-id). */
  sessionId?: string;
  /** Vendor settings file with our hooks (claude --settings), when written. */
  settingsFile?: string;
  /** `prepareHooks(...).args`: vendor flags that install our hooks (claude --settings, codex -c notify=...). */
  hookArgs?: string[];
  /** The vendor's non-interactive mode: the agent works on the prompt and exits when done. */
  headless?: boolean;
}

// Longer briefs stay out of argv: other local users can read /proc/PID/cmdline, Linux caps one argv
// element at 128 KiB, and a TUI pastes a long prompt as one unreadable block.
export const INLINE_BRIEF_MAX = 2_000;

/** The prompt handed to the agent: the brief itself while short, else a pointer to brief.md. The
 * pointer starts with a letter, so no CLI can read it as an option. */
export function taskPrompt(brief: string, briefPath: string): string {
  if (brief.length <= INLINE_BRIEF_MAX) return brief;
  return `Your task is described in ${briefPath}. Read that file first and follow it exactly, including its definition of done and the handoff note it asks for.`;
}

// codex exec without a sandbox flag runs read-only: the agent could not edit the repo. `-s
// workspace-write` lets it edit the repo (codex exec 0.169 has no --full-auto: "unexpected argument");
// a sandbox choice of the user's wins.
const CODEX_SANDBOX_FLAGS = [
  '--full-auto',
  '-s',
  '--sandbox',
  '--dangerously-bypass-approvals-and-sandbox',
  '--yolo',
];
const codexSandbox = (extra: string[]): string[] =>
  extra.some((a) => CODEX_SANDBOX_FLAGS.includes(a.split('=')[0]!)) ? [] : ['-s', 'workspace-write'];

// Flags from --help of the real CLIs (claude-code 2.1.197, codex 0.169.0, gemini-cli 0.61.0,
// copilot 1.0.102, opencode 1.18.33). Where the CLI parses `--flag=value` (yargs: gemini, opencode),
// the prompt is glued to its flag so a task that starts with `-` is never read as an option.
// Headless modes (DESIGN.md §8): `claude -p`, `codex exec`, `gemini --prompt`, `copilot -p`,
// `cursor-agent -p`, `opencode run` (its handler joins the words after `--` into the message), and
// aider's `--message`, which already exits after one message.
// Headless claude prints its stream-json events (stream-json needs --verbose with -p): while it
// retries a failed request the text mode prints nothing, the stream says `api_retry` with the HTTP
// status, and a quota comes as a rejected `rate_limit_event` with its reset (detect/streamScreen.ts
// reads them from the pane). A user's own --output-format in ARGS comes later and wins.
export const CLAUDE_HEADLESS = ['-p', '--output-format', 'stream-json', '--verbose'];

const hooksOf = (ctx: Partial<LaunchContext> | undefined): string[] =>
  ctx?.hookArgs ?? (ctx?.settingsFile ? ['--settings', ctx.settingsFile] : []);

// claude takes the first --debug-file it sees: a user's own debugging flag in ARGS keeps theirs.
const CLAUDE_DEBUG_FLAGS = /^(?:-d|-d2e|--debug|--debug-file|--debug-to-stderr)(?:=|$)/;
export const claudeUserDebugs = (extra: readonly string[]): boolean =>
  extra.some((a) => CLAUDE_DEBUG_FLAGS.test(a));
const claudeHooks = (ctx: Partial<LaunchContext> | undefined, extra: readonly string[]): string[] => {
  const h = hooksOf(ctx);
  const i = h.indexOf('--debug-file');
  return i >= 0 && claudeUserDebugs(extra) ? [...h.slice(0, i), ...h.slice(i + 2)] : h;
};

export const ADAPTERS: Record<AgentName, AgentAdapter> = {
  claude: {
    name: 'claude',
    bin: 'claude',
    install: 'npm install -g @anthropic-ai/claude-code',
    launch: (prompt, extra, ctx) => [
      'claude',
      ...(ctx.headless ? CLAUDE_HEADLESS : []),
      ...claudeHooks(ctx, extra),
      ...(ctx.sessionId ? ['--session-id', ctx.sessionId] : []),
      ...extra,
      '--',
      prompt,
    ],
    resume: (id, extra, ctx) => ['claude', ...claudeHooks(ctx, extra), '--resume', id, ...extra],
    continueLast: (extra, ctx) => ['claude', ...claudeHooks(ctx, extra), '--continue', ...extra],
    resumeHeadless: (id, prompt, ctx) => [
      'claude',
      ...CLAUDE_HEADLESS,
      ...hooksOf(ctx),
      '--resume',
      id,
      '--',
      prompt,
    ],
  },
  codex: {
    name: 'codex',
    bin: 'codex',
    install: 'npm install -g @openai/codex',
    // `codex [OPTIONS] [PROMPT]`; `codex resume [OPTIONS] [SESSION_ID] [PROMPT]`; -c is accepted by both.
    // Headless is `exec --json`: its events on the pane name what a retry is about ("Reconnecting...
    // 1/5 (exceeded retry limit, last status: 429 Too Many Requests)"), where plain `exec` prints
    // only "ERROR: Reconnecting... 1/5" for a 429, a 5xx and a lost connection alike (codex 0.169).
    launch: (prompt, extra, ctx) =>
      ctx.headless
        ? [
            'codex',
            'exec',
            // once: clap refuses a flag given twice (the user's own --json)
            ...(extra.includes('--json') ? [] : ['--json']),
            ...(ctx.hookArgs ?? []),
            ...codexSandbox(extra),
            ...extra,
            '--',
            prompt,
          ]
        : ['codex', ...(ctx.hookArgs ?? []), ...extra, '--', prompt],
    resume: (id, extra, ctx) => ['codex', 'resume', ...(ctx?.hookArgs ?? []), ...extra, id],
    continueLast: (extra, ctx) => ['codex', 'resume', ...(ctx?.hookArgs ?? []), '--last', ...extra],
    // `codex exec resume [OPTIONS] [SESSION_ID] [PROMPT]` (0.169) has no --full-auto: the same
    // workspace-write sandbox through -c.
    resumeHeadless: (id, prompt, ctx) => [
      'codex',
      'exec',
      'resume',
      '--json',
      ...(ctx?.hookArgs ?? []),
      '-c',
      'sandbox_mode="workspace-write"',
      id,
      prompt,
    ],
  },
  gemini: {
    name: 'gemini',
    bin: 'gemini',
    install: 'npm install -g @google/gemini-cli',
    // Hooks come through env (GEMINI_CLI_SYSTEM_DEFAULTS_PATH), not argv. --session-id takes a UUID
    // for a new session; --resume takes "latest", an index or a UUID (sessionUtils in the bundle).
    launch: (prompt, extra, ctx) => [
      'gemini',
      ...(ctx.sessionId ? ['--session-id', ctx.sessionId] : []),
      ...extra,
      ctx.headless ? `--prompt=${prompt}` : `--prompt-interactive=${prompt}`,
    ],
    resume: (id, extra) => ['gemini', '--resume', id, ...extra],
    continueLast: (extra) => ['gemini', '--resume', 'latest', ...extra],
    resumeHeadless: (id, prompt) => ['gemini', '--resume', id, `--prompt=${prompt}`],
  },
  copilot: {
    name: 'copilot',
    bin: 'copilot',
    install: 'npm install -g @github/copilot',
    // `-i, --interactive <prompt>`; `--session-id <id>` sets the UUID of a new session.
    // hookArgs: `--log-dir <run>/hooks/copilot-logs`, the log vendorLogs.ts reads.
    launch: (prompt, extra, ctx) => [
      'copilot',
      ...(ctx.hookArgs ?? []),
      ...(ctx.sessionId ? ['--session-id', ctx.sessionId] : []),
      ...extra,
      // commander: an option that takes a value takes the next argument even when it starts with `-`.
      ctx.headless ? '-p' : '--interactive',
      prompt,
    ],
    resume: (id, extra, ctx) => ['copilot', ...(ctx?.hookArgs ?? []), '--resume', id, ...extra],
    continueLast: (extra, ctx) => ['copilot', ...(ctx?.hookArgs ?? []), '--continue', ...extra],
    resumeHeadless: (id, prompt, ctx) => ['copilot', ...(ctx?.hookArgs ?? []), '--resume', id, '-p', prompt],
  },
  cursor: {
    name: 'cursor',
    bin: 'cursor-agent',
    install: 'curl https://cursor.com/install -fsS | bash (installs cursor-agent)',
    launch: (prompt, extra, ctx) =>
      ctx.headless ? ['cursor-agent', '-p', ...extra, '--', prompt] : ['cursor-agent', ...extra, prompt],
    resume: (id, extra) => ['cursor-agent', '--resume', id, ...extra],
  },
  aider: {
    name: 'aider',
    bin: 'aider',
    install: 'python -m pip install aider-install && aider-install',
    launch: (prompt, extra) => ['aider', ...extra, '--message', prompt],
    continueLast: (extra) => ['aider', '--restore-chat-history', ...extra],
  },
  opencode: {
    name: 'opencode',
    bin: 'opencode',
    install: 'npm install -g opencode-ai',
    launch: (prompt, extra, ctx) =>
      ctx.headless
        ? ['opencode', 'run', ...extra, '--', prompt]
        : ['opencode', ...extra, `--prompt=${prompt}`],
    resume: (id, extra) => ['opencode', '--session', id, ...extra],
    continueLast: (extra) => ['opencode', '--continue', ...extra],
    // `opencode run --session ID -- MESSAGE` (1.18.33): the next message of that session, then exit.
    resumeHeadless: (id, prompt) => ['opencode', 'run', '--session', id, '--', prompt],
  },
  command: {
    name: 'command',
    bin: null,
    install: 'give the program after `--`: workcell start NAME --agent command -- PROG ARGS...',
    // Any program: the ARGS are the whole command line; the brief is in the run dir and in $WORKCELL_BRIEF.
    launch: (_prompt, extra) => [...extra],
  },
};
