// The bridge side of replies (issue 10): GET  /api/workcells/:name/prompt  -> the question and the quick
// answers on the live screen; POST /api/workcells/:name/reply { text, enter } | { key } -> typed into the
// pane by the core (reply.ts), recorded as sent from the dashboard. Token, Host and Origin are checked
// by the server before any /api route runs, as for kill.
import type { ReplyRequest } from '../../common/bridge.js';
import { readPrompt, type Prompt } from '../../common/prompt.js';
import { isEnded } from '../../common/workcell.js';
import { err, ok, type Result } from '../result.js';
import type { ReplyOutcome } from '../reply.js';
import type { BridgeEngine } from './engineApi.js';

export function parseReply(body: unknown): Result<ReplyRequest> {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.key === 'string' && b.text === undefined) return ok({ key: b.key });
  if (typeof b.text === 'string' && b.key === undefined)
    return ok({ text: b.text, enter: b.enter === undefined ? true : b.enter === true });
  return err('BAD_ARGS', 'a reply needs { "text": "...", "enter": true|false } or { "key": "Enter" }');
}

export async function replyTo(
  engine: BridgeEngine,
  name: string,
  req: ReplyRequest,
): Promise<Result<ReplyOutcome>> {
  if (!engine.reply) return err('BAD_ARGS', 'replies are not available in this version of the engine');
  return engine.reply(name, req, 'dashboard');
}

/** The prompt on a live workcell's screen; an ended one has none (its log says what it asked). */
export async function promptOf(engine: BridgeEngine, name: string): Promise<Result<Prompt>> {
  const st = await engine.status(name);
  if (!st.ok) return st;
  if (isEnded(st.value.state) || !st.value.pane || st.value.pane.dead)
    return ok({ question: [], choices: [] });
  const screen = await engine.tmux.capture(name);
  return screen.ok ? ok(readPrompt(screen.value)) : screen;
}
