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
}

export interface LaunchContext {
  runDir: string;
  /** A vendor session id we chose up front, when the CLI accepts one (claude --session-id). */
  sessionId?: string;
  /** Vendor settings file with our hooks (claude --settings), when written. */
  settingsFile?: string;
  /** `prepareHooks(...).args`: vendor flags that install our hooks (claude --settings, codex -c notify=...). */
  hookArgs?: string[];
}

// Flags from --help of the real CLIs (claude-code 2.1.197, codex 0.169.0, gemini-cli 0.61.0,
// copilot 1.0.102, opencode 1.18.33). Where the CLI parses `--flag=value` (yargs: gemini, opencode),
// the prompt is glued to its flag so a task that starts with `-` is never read as an option.
const hooksOf = (ctx: Partial<LaunchContext> | undefined): string[] =>
  ctx?.hookArgs ?? (ctx?.settingsFile ? ['--settings', ctx.settingsFile] : []);

export const ADAPTERS: Record<AgentName, AgentAdapter> = {
  claude: {
    name: 'claude',
    bin: 'claude',
    install: 'npm install -g @anthropic-ai/claude-code',
    launch: (prompt, extra, ctx) => [
      'claude',
      ...hooksOf(ctx),
      ...(ctx.sessionId ? ['--session-id', ctx.sessionId] : []),
      ...extra,
      '--',
      prompt,
    ],
    resume: (id, extra, ctx) => ['claude', ...hooksOf(ctx), '--resume', id, ...extra],
    continueLast: (extra, ctx) => ['claude', ...hooksOf(ctx), '--continue', ...extra],
  },
  codex: {
    name: 'codex',
    bin: 'codex',
    install: 'npm install -g @openai/codex',
    // `codex [OPTIONS] [PROMPT]`; `codex resume [OPTIONS] [SESSION_ID] [PROMPT]`; -c is accepted by both.
    launch: (prompt, extra, ctx) => ['codex', ...(ctx.hookArgs ?? []), ...extra, '--', prompt],
    resume: (id, extra, ctx) => ['codex', 'resume', ...(ctx?.hookArgs ?? []), ...extra, id],
    continueLast: (extra, ctx) => ['codex', 'resume', ...(ctx?.hookArgs ?? []), '--last', ...extra],
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
      `--prompt-interactive=${prompt}`,
    ],
    resume: (id, extra) => ['gemini', '--resume', id, ...extra],
    continueLast: (extra) => ['gemini', '--resume', 'latest', ...extra],
  },
  copilot: {
    name: 'copilot',
    bin: 'copilot',
    install: 'npm install -g @github/copilot',
    // `-i, --interactive <prompt>`; `--session-id <id>` sets the UUID of a new session.
    launch: (prompt, extra, ctx) => [
      'copilot',
      ...(ctx.sessionId ? ['--session-id', ctx.sessionId] : []),
      ...extra,
      '--interactive',
      prompt,
    ],
    resume: (id, extra) => ['copilot', '--resume', id, ...extra],
    continueLast: (extra) => ['copilot', '--continue', ...extra],
  },
  cursor: {
    name: 'cursor',
    bin: 'cursor-agent',
    install: 'curl https://cursor.com/install -fsS | bash (installs cursor-agent)',
    launch: (prompt, extra) => ['cursor-agent', ...extra, prompt],
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
    launch: (prompt, extra) => ['opencode', ...extra, `--prompt=${prompt}`],
    resume: (id, extra) => ['opencode', '--session', id, ...extra],
    continueLast: (extra) => ['opencode', '--continue', ...extra],
  },
  command: {
    name: 'command',
    bin: null,
    install: 'give the program after `--`: workcell start NAME --agent command -- PROG ARGS...',
    // Any program: the ARGS are the whole command line; the brief is in the run dir and in $WORKCELL_BRIEF.
    launch: (_prompt, extra) => [...extra],
  },
};
