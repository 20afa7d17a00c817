// Replying to a live workcell without attaching (issue 10, "Act"): literal text or one named key into its
// pane, recorded in events.jsonl. Text goes through `send-keys -l` after `--`, as one argv element, so
// tmux neither looks keys up nor parses options in it; nothing here ever passes through a shell.
import { isEnded, validateName } from '../common/workcell.js';
import { cancelOnInput } from './recovery/input.js';
import { err, ok, type Result } from './result.js';
import type { RunStore } from './runStore.js';
import { escapeTmuxArg, type Tmux } from './tmux.js';
import type { WorkcellSummary } from '../common/workcell.js';

/** The named keys a reply may be: the answers agents' prompts take (1/2/3, y/n, arrows, Enter, Esc).
 * Letters and digits go as literal text; the others by their tmux key name. */
export const REPLY_KEYS = {
  Enter: 'Enter',
  Esc: 'Escape',
  Escape: 'Escape',
  Tab: 'Tab',
  Up: 'Up',
  Down: 'Down',
  Left: 'Left',
  Right: 'Right',
  y: null,
  n: null,
  '1': null,
  '2': null,
  '3': null,
  '4': null,
  '5': null,
  '6': null,
  '7': null,
  '8': null,
  '9': null,
} as const satisfies Record<string, string | null>;
export type ReplyKey = keyof typeof REPLY_KEYS;

export const REPLY_LIMITS = {
  // 64 kB: far above any answer a person types or pastes into a prompt (10 kB is tested), and small
  // enough that one argv element stays well under the kernel's 128 kB per-argument limit.
  maxChars: 65_536,
  // The preview kept in events.jsonl: enough to recognise "yes, go ahead" in the timeline.
  previewChars: 40,
} as const;

export type Reply = { text: string; enter?: boolean } | { key: string };

/** Who sent it, for the timeline. */
export type ReplySource = 'cli' | 'dashboard' | 'tray';

export interface ReplyOutcome {
  name: string;
  /** What was recorded: the length and the redacted preview, never the text itself. */
  chars: number;
  preview: string;
  key: string | null;
  enter: boolean;
}

export function isReplyKey(k: string): k is ReplyKey {
  return Object.hasOwn(REPLY_KEYS, k);
}

/** A reply that cannot be sent as typed: NUL (no argv can carry it) and control characters (a newline
 * would submit half the text, an ESC would start a sequence the agent reads as keys). */
export function checkReplyText(text: string): Result<void> {
  if (text.length === 0) return err('BAD_ARGS', 'the reply is empty: give text, or --key KEY');
  if (text.length > REPLY_LIMITS.maxChars)
    return err('BAD_ARGS', `the reply is ${text.length} characters; at most ${REPLY_LIMITS.maxChars}`);
  if (text.includes('\0')) return err('BAD_ARGS', 'the reply holds a NUL byte, which cannot be sent');
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point here
  const ctl = /[\u0000-\u0008\u000a-\u001f\u007f]/.exec(text);
  if (ctl) {
    const what = ctl[0] === '\n' || ctl[0] === '\r' ? 'a line break' : 'a control character';
    return err(
      'BAD_ARGS',
      `the reply holds ${what} (at ${ctl.index}): send one line of text, then --key Enter; keys like Esc go with --key`,
    );
  }
  return ok(undefined);
}

/** What events.jsonl keeps of a reply: short words as typed, anything that looks like a secret (a long
 * run without spaces, letters mixed with digits) masked. A prompt answer ("y", "2", "use the v2 API")
 * stays readable; a pasted token or password does not land on disk. */
export function redactedPreview(text: string): string {
  const words = text.split(/(\s+)/).map((w) => {
    if (/^\s*$/.test(w)) return w;
    const secretish = w.length > 12 || (/\d/.test(w) && /[A-Za-z]/.test(w) && w.length > 3);
    return secretish ? '•••' : w;
  });
  const joined = words.join('');
  return joined.length > REPLY_LIMITS.previewChars
    ? `${joined.slice(0, REPLY_LIMITS.previewChars - 1)}…`
    : joined;
}

/** The tmux argv that types `reply` into `name`'s pane (a chain: text, then Enter, in one call). */
export function replyArgv(name: string, reply: Reply): string[] {
  const target = `=${name}:`;
  if ('key' in reply) {
    const named = REPLY_KEYS[reply.key as ReplyKey];
    return named
      ? ['send-keys', '-t', target, named]
      : ['send-keys', '-t', target, '-l', '--', escapeTmuxArg(reply.key)];
  }
  const args = ['send-keys', '-t', target, '-l', '--', escapeTmuxArg(reply.text)];
  if (reply.enter) args.push(';', 'send-keys', '-t', target, 'Enter');
  return args;
}

export interface ReplyDeps {
  tmux: Tmux;
  store: RunStore;
  status(name: string): Promise<Result<WorkcellSummary>>;
}

/** Sends one reply to a live workcell and records it. Ended workcells (and panes whose agent has
 * exited) are refused with what to do instead. */
export async function sendReply(
  deps: ReplyDeps,
  name: string,
  reply: Reply,
  by: ReplySource,
): Promise<Result<ReplyOutcome>> {
  const bad = validateName(name);
  if (bad) return { ok: false, error: bad };
  if ('key' in reply) {
    if (!isReplyKey(reply.key))
      return err(
        'BAD_ARGS',
        `unknown key ${JSON.stringify(reply.key)}: one of ${Object.keys(REPLY_KEYS).join(', ')}`,
      );
  } else {
    const c = checkReplyText(reply.text);
    if (!c.ok) return c;
  }
  const st = await deps.status(name);
  if (!st.ok) return st;
  const s = st.value;
  if (isEnded(s.state) || !s.pane || s.pane.dead) {
    return err(
      'SESSION_GONE',
      `${name} has ended (${s.state}): there is no agent to reply to. Read it with \`workcell peek ${name}\`, or continue it with \`workcell resume ${name}\``,
    );
  }
  // Before typing: once the user answers, a scheduled "continue" from recovery would land on top of it
  // (and cancelling first means the daemon cannot fire in between).
  await cancelOnInput(deps.store.dir, name, `reply from the ${by}`);
  const r = await deps.tmux.run(replyArgv(name, reply));
  if (!r.ok)
    return err(
      'TMUX_FAILED',
      `could not type into ${name}'s pane (${r.error.message}): is it still running?`,
    );
  const outcome: ReplyOutcome =
    'key' in reply
      ? { name, chars: 0, preview: '', key: reply.key, enter: false }
      : {
          name,
          chars: [...reply.text].length,
          preview: redactedPreview(reply.text),
          key: null,
          enter: reply.enter === true,
        };
  await deps.store.appendEvent(name, {
    type: 'reply',
    by,
    ...(outcome.key ? { key: outcome.key } : { chars: outcome.chars, preview: outcome.preview }),
    ...(outcome.enter ? { enter: true } : {}),
  });
  return ok(outcome);
}
