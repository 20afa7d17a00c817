// Channels that run a program: `command` (the user's argv), `openclaw`, and `desktop` (notify-send on
// Linux, osascript on macOS). Always spawn with an argv array, never a shell: user text is data.
import { spawn } from 'node:child_process';
import type { NotifyMessage } from '../../common/notify.js';
import { wantsSound } from '../../common/notifySound.js';
import {
  OPENCLAW_DEFAULT_ARGV,
  TEXT_PLACEHOLDER,
  type CommandNotifierSettings,
  type DesktopNotifierSettings,
  type OpenclawNotifierSettings,
} from '../../common/settings.js';
import { failed, okResult, type Notifier, type NotifierContext, type SendResult } from './types.js';

export const APP_NAME = 'Session Supervisor';
// The last 500 chars of stderr say why a program failed; more is noise in an event line.
const STDERR_TAIL_CHARS = 500;

/** Runs argv to completion. stdin is closed (a program waiting for input would otherwise hang until
 * the timeout); stdout is discarded; the tail of stderr explains a non-zero exit. */
export function runArgv(
  argv: readonly string[],
  opts: { env: NodeJS.ProcessEnv; signal: AbortSignal; notFoundHint?: string },
): Promise<SendResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.resolve(failed('empty argv', false));
  if (opts.signal.aborted) return Promise.resolve(failed('aborted before start', true));
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(file, args, {
      env: opts.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      signal: opts.signal,
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT')
        resolve(failed(`${file}: not found${opts.notFoundHint ? ` (${opts.notFoundHint})` : ''}`, false));
      else if (e.name === 'AbortError') resolve(failed(`${file}: no answer in time (killed)`, true));
      else resolve(failed(`${file}: ${e.code ?? e.message}`, true));
    });
    child.on('close', (code, sig) => {
      if (code === 0) return resolve(okResult);
      // After an 'error' (ENOENT, abort) 'close' may still fire; the first resolve wins.
      const why = sig ? `killed by ${sig}` : `exit ${code}`;
      resolve(failed(`${file}: ${why}${stderr.trim() ? `: ${stderr.trim()}` : ''}`, true));
    });
  });
}

/** The message as WORKCELL_* variables for the `command` notifier. */
export function messageEnv(msg: NotifyMessage): Record<string, string> {
  return {
    WORKCELL_NAME: msg.name,
    WORKCELL_STATE: msg.state,
    WORKCELL_FROM_STATE: msg.from ?? '',
    WORKCELL_REASON: msg.reason ?? msg.evidence?.detail ?? '',
    WORKCELL_EXIT_CODE: msg.exitCode === null ? '' : String(msg.exitCode),
    WORKCELL_RUN_DIR: msg.runDir ?? '',
    WORKCELL_EXCERPT: msg.excerpt,
    WORKCELL_RESET_AT: msg.resetAt ?? '',
    WORKCELL_TITLE: msg.title,
    WORKCELL_TEXT: msg.text,
    WORKCELL_ATTACH: msg.attach,
    WORKCELL_CHANGE_ID: msg.changeId,
    // Same key on a re-send after a crash: a script can drop what it has already seen.
    WORKCELL_IDEMPOTENCY_KEY: msg.idempotencyKey ?? msg.changeId,
    WORKCELL_TEST: msg.test ? '1' : '',
    // A digest: how many changes, and one line each for their ids, names and titles (the other
    // variables are those of its most urgent change).
    WORKCELL_DIGEST_COUNT: msg.digest ? String(msg.digest.count) : '',
    WORKCELL_DIGEST_CHANGE_IDS: msg.digest ? msg.digest.messages.map((m) => m.changeId).join('\n') : '',
    WORKCELL_DIGEST_NAMES: msg.digest ? msg.digest.messages.map((m) => m.name).join('\n') : '',
    WORKCELL_DIGEST_TITLES: msg.digest ? msg.digest.messages.map((m) => m.title).join('\n') : '',
    WORKCELL_DIGEST_STATES: msg.digest ? msg.digest.messages.map((m) => m.state).join('\n') : '',
    WORKCELL_DIGEST_REASONS: msg.digest ? msg.digest.messages.map((m) => m.reason ?? '').join('\n') : '',
  };
}

export function commandNotifier(s: CommandNotifierSettings, ctx: NotifierContext): Notifier {
  return {
    type: 'command',
    send: (msg, signal) => runArgv(s.argv, { env: { ...ctx.env, ...messageEnv(msg) }, signal }),
  };
}

/** Replaces an element that is exactly "{text}", else appends the text as the last argument. */
export function withText(argv: readonly string[], text: string): string[] {
  return argv.includes(TEXT_PLACEHOLDER)
    ? argv.map((a) => (a === TEXT_PLACEHOLDER ? text : a))
    : [...argv, text];
}

export function openclawNotifier(s: OpenclawNotifierSettings, ctx: NotifierContext): Notifier {
  const argv = s.argv ?? [...OPENCLAW_DEFAULT_ARGV];
  return {
    type: 'openclaw',
    send: (msg, signal) =>
      runArgv(withText(argv, msg.text), {
        env: ctx.env,
        signal,
        notFoundHint: 'install openclaw or set "argv" on the openclaw notifier',
      }),
  };
}

/** Notification daemons render the body as markup (the body-markup capability of the spec), so
 * `<` in agent output would vanish or break the bubble: escape it. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** How a desktop notification asks for a sound or silence (freedesktop notification spec hints; the
 * server plays its theme's sound for `sound-name`, and `suppress-sound` keeps a server that rings for
 * every bubble quiet). macOS: a named system sound. */
export const DESKTOP_SOUND = {
  // The freedesktop sound theme's name for "a message arrived and wants you": present in every theme.
  freedesktopName: 'message-new-instant',
  // One of the sounds every macOS has in /System/Library/Sounds.
  macName: 'Glass',
} as const;

/** The argv that shows `msg` on the desktop of `platform`, or null where the core has no way to.
 * `sound`: true rings, false asks for silence, undefined leaves it to the notification server. */
export function desktopArgv(msg: NotifyMessage, platform: NodeJS.Platform, sound?: boolean): string[] | null {
  if (platform === 'darwin') {
    // Text goes in as run-handler arguments, so nothing the agent printed is ever AppleScript source.
    const ring = sound ? ` sound name "${DESKTOP_SOUND.macName}"` : '';
    return [
      'osascript',
      '-e',
      'on run argv',
      '-e',
      `display notification (item 2 of argv) with title (item 1 of argv)${ring}`,
      '-e',
      'end run',
      msg.title,
      msg.body,
    ];
  }
  if (platform === 'win32') return null;
  const hint =
    sound === undefined
      ? []
      : [
          sound
            ? `--hint=string:sound-name:${DESKTOP_SOUND.freedesktopName}`
            : '--hint=boolean:suppress-sound:true',
        ];
  // `--` ends option parsing, so a title starting with "-" is still a title.
  return [
    'notify-send',
    `--app-name=${APP_NAME}`,
    `--urgency=${msg.urgency}`,
    ...hint,
    '--',
    msg.title,
    escapeMarkup(msg.body),
  ];
}

export function desktopNotifier(s: DesktopNotifierSettings, ctx: NotifierContext): Notifier {
  return {
    type: 'desktop',
    async send(msg, signal) {
      const argv = desktopArgv(msg, ctx.platform, wantsSound(msg, s.sound));
      if (!argv)
        return failed('desktop notifications on Windows come from the desktop app, not the CLI', false);
      const hint = argv[0] === 'notify-send' ? 'apt install libnotify-bin' : undefined;
      return runArgv(argv, { env: ctx.env, signal, notFoundHint: hint });
    },
  };
}
