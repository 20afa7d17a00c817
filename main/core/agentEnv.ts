// What an agent's environment holds (docs/engine.md "The agent's environment"): the user's
// environment minus our own variables and the notifier secrets. The tmux server copies the
// environment of the process that starts it into its global environment and every new pane
// inherits it, so `SLACK_WEBHOOK_URL=... workcell watch` used to hand the webhook to every agent.
// Two places apply the same rule: every tmux client we run starts with a scrubbed environment (so
// a server we start holds no secret), and the wrapper drops the same names again in each new pane
// (a server started by hand or by an older version may still hold them).
import { readFileSync } from 'node:fs';
import type { ControlDir } from './paths.js';

/** Ours: the supervisor's internals (daemon switches, the keeper's pid, a dashboard token, the
 * desktop app's keychain names). The wrapper sets the three an agent needs again (WORKCELL_RUN_DIR,
 * WORKCELL_BRIEF, WORKCELLS_HOME). */
export const OWN_ENV_PREFIXES = ['WORKCELL_', 'WORKCELLS_'] as const;

/** The variables our docs and examples tell users to export for notifiers. Any other variable named
 * by a secret in settings.json (`{ "env": "NAME" }`) is dropped too. */
export const NOTIFIER_SECRET_ENV = ['SLACK_WEBHOOK_URL', 'TELEGRAM_BOT_TOKEN'] as const;

/** The tmux client's own session variables: a client run from inside the user's tmux must talk to our
 * socket, never theirs, and an agent must not reach our server through them. */
const TMUX_VARS = ['TMUX', 'TMUX_PANE'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every `"env": "NAME"` in the settings text. Read from the raw text, not the validated settings: a
 * file that fails validation still names the secrets its author exported. */
export function settingsSecretEnvNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/"env"\s*:\s*"([^"\\]*)"/g)) if (ENV_NAME.test(m[1]!)) names.add(m[1]!);
  return [...names];
}

/** The built-in secret names plus those settings.json names (an absent or unreadable file names none). */
export function secretEnvNames(dir: ControlDir): string[] {
  let text = '';
  try {
    text = readFileSync(dir.settings, 'utf8');
  } catch {
    // ENOENT (no settings yet) or EACCES: only the built-in names are known
  }
  return [...new Set([...NOTIFIER_SECRET_ENV, ...settingsSecretEnvNames(text)])];
}

/** True for a variable an agent must not see. */
export function hiddenFromAgents(name: string, secretNames: readonly string[]): boolean {
  return (
    OWN_ENV_PREFIXES.some((p) => name.startsWith(p)) ||
    secretNames.includes(name) ||
    (TMUX_VARS as readonly string[]).includes(name)
  );
}

/** `env` without what hiddenFromAgents names. */
export function scrubEnv(env: NodeJS.ProcessEnv, secretNames: readonly string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!hiddenFromAgents(k, secretNames)) out[k] = v;
  return out;
}
