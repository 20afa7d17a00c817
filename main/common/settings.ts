// $WORKCELLS_HOME/settings.json as TypeScript types, shared by the core (which validates it with zod in
// main/core/settings.ts), the CLI and the desktop app's settings window. Pure: no node:*.
import type { NotifierType, NotifyOn } from './notify.js';
import type { SoundOn } from './notifySound.js';

/** A secret (webhook URL, bot token) inline, from an environment variable, or from a file (read at
 * send time, so a rotated token needs no restart). Never logged, never written to events. */
export type Secret = string | { env: string } | { file: string };

interface NotifierBase {
  /** Optional label, used as the dedupe key and in events; defaults to the type (`slack#2` for a second). */
  name?: string;
  /** States or reasons that trigger this notifier (see NotifyOn); defaults to DEFAULT_NOTIFY_ON. */
  on: NotifyOn[];
}

export interface DesktopNotifierSettings extends NotifierBase {
  type: 'desktop';
  /** Which of its notifications make a sound (states, reasons, or `verify_failed`); absent means
   * DEFAULT_SOUND_ON (main/common/notifySound.ts), [] means always silent. */
  sound?: SoundOn[];
}
export interface SlackNotifierSettings extends NotifierBase {
  type: 'slack';
  /** Incoming webhook URL (it is the credential). */
  url: Secret;
}
export interface TelegramNotifierSettings extends NotifierBase {
  type: 'telegram';
  token: Secret;
  chatId: string;
  /** Bot API base; default https://api.telegram.org (override for a self-hosted Bot API server). */
  apiBase: string;
}
export interface WebhookNotifierSettings extends NotifierBase {
  type: 'webhook';
  url: Secret;
  /** Extra request headers; values may be secrets (e.g. Authorization). */
  headers?: Record<string, Secret>;
}
export interface CommandNotifierSettings extends NotifierBase {
  type: 'command';
  /** Run with execFile, never a shell; the message arrives as WORKCELL_* environment variables. */
  argv: string[];
}
export interface OpenclawNotifierSettings extends NotifierBase {
  type: 'openclaw';
  /** Default ["openclaw", "system", "event", "--text", "{text}", "--mode", "now"]; an element exactly
   * "{text}" is replaced by the message text, else the text is appended as the last argument. */
  argv?: string[];
}

export type NotifierSettings =
  | DesktopNotifierSettings
  | SlackNotifierSettings
  | TelegramNotifierSettings
  | WebhookNotifierSettings
  | CommandNotifierSettings
  | OpenclawNotifierSettings;

export interface ResourceLimits {
  cpuPercent?: number;
  rssMb?: number;
}

export interface Thresholds {
  /** Seconds at its prompt with nothing asked before a workcell is reported `idle`. */
  idleSeconds: number;
  /** Seconds with no output and no progress, while it should be working, before `stalled`. */
  stallSeconds: number;
  /** Hours a workcell pass or a loop may run before it is flagged stale (once: a notification, and
   * `stale` in its summary). Optional in the type so older settings views (the app's) still build;
   * absent means DEFAULT_STALE_HOURS. */
  staleHours?: number;
  /** Per workcell or loop name: its own stale threshold in hours. */
  staleHoursFor?: Record<string, number>;
}

/** When verify.sh runs: at the end of each interactive turn, when the agent exits, or both. */
export const VERIFY_AT = ['both', 'turn', 'exit'] as const;
export type VerifyAt = (typeof VERIFY_AT)[number];

export interface Settings {
  notifiers: NotifierSettings[];
  thresholds: Thresholds;
  /** When verify.sh runs (default both: a turn end and the exit are each a completion). */
  verifyAt: VerifyAt;
  /** verify.sh is killed (its whole process group) after this many seconds and recorded as
   * "verify timed out after Ns". */
  verifyTimeoutSeconds: number;
  /** agent.log is rotated to agent.log.1 when it passes this many MB (so at most about twice this
   * per workcell pass on disk). */
  agentLogMaxMB: number;
  /** The terminal that "open in terminal" launches, as argv; null = detect one. */
  terminal: { argv: string[] } | null;
  launchAtLogin: boolean;
  /** A notes folder (Obsidian, a wiki checkout) that also gets the day's journal lines; null = only
   * $WORKCELLS_HOME/journal/. */
  journalNotesDir: string | null;
  /** The workcells' tmux prefix key (default C-b). Another one (e.g. "C-a") lets `workcell attach` from
   * inside the user's own tmux detach with C-a d instead of C-b C-b d (main/core/attachKeys.ts). Takes
   * effect when the workcells' tmux server next starts. */
  attachPrefix?: string;
  /** Workcell names whose notifications are silenced. */
  muted: string[];
  /** Per-workcell CPU (percent of one core) and memory (MB) thresholds, children included: crossing
   * one notifies once (reason over_resources; main/core/housekeeping/resourceAlarm.ts). Set, the
   * daemon samples every 30 s with nobody looking (every 5 s while the dashboard or the tray shows the
   * figures); unset, only while they are shown. */
  resources?: ResourceLimits;
  /** The recovery playbook's defaults (issue 11; main/core/recovery/guard.ts RECOVERY_DEFAULTS). */
  recovery?: {
    policy?: 'auto' | 'suggest' | 'off';
    restartsPer5Min?: number;
    homePerMinute?: number;
    jitterSeconds?: number;
    staggerSeconds?: number;
  };
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  // 30 s: long enough that an agent pausing between tool calls is not "idle", short enough that the
  // user hears about a finished turn while they still remember what they asked.
  idleSeconds: 30,
  // 300 s: `claude -p` retries a dead network for ~3 min silently (DESIGN.md §6); 5 min clears that
  // and any long build step that prints nothing, and still beats finding out an hour later.
  stallSeconds: 300,
};

// 2 h: the default; most agent runs end well within it, and one past it is worth a look.
export const DEFAULT_STALE_HOURS = 2;

export const DEFAULT_LIMITS = {
  // 10 min: a test suite of a large repo fits; a check that hangs longer is broken, and until it ends
  // the pass is not finished (the issue 8 repro: a hung verify.sh held its workcell for 10 min).
  verifyTimeoutSeconds: 600,
  // 50 MB: hundreds of thousands of lines, far more than anyone scrolls back through, while one
  // flooding agent can no longer fill the disk (issue 8 saw 270 MB from one flood).
  agentLogMaxMB: 50,
} as const;

export const OPENCLAW_DEFAULT_ARGV = [
  'openclaw',
  'system',
  'event',
  '--text',
  '{text}',
  '--mode',
  'now',
] as const;
export const TELEGRAM_DEFAULT_API_BASE = 'https://api.telegram.org';
/** Placeholder in an openclaw argv that is replaced by the message text. */
export const TEXT_PLACEHOLDER = '{text}';

export function defaultSettings(): Settings {
  return {
    notifiers: [],
    thresholds: { ...DEFAULT_THRESHOLDS },
    verifyAt: 'both',
    verifyTimeoutSeconds: DEFAULT_LIMITS.verifyTimeoutSeconds,
    agentLogMaxMB: DEFAULT_LIMITS.agentLogMaxMB,
    terminal: null,
    launchAtLogin: false,
    journalNotesDir: null,
    muted: [],
  };
}

/** Used only to keep NotifierType and the settings union in step (checked by the compiler). */
export type NotifierSettingsOf<T extends NotifierType> = Extract<NotifierSettings, { type: T }>;
