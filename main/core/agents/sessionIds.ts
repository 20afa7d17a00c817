// Where each vendor's session id comes from, best effort: choose it up front (claude, gemini and
// copilot accept `--session-id <uuid>`), or read it from our hook events (Claude/Gemini session_id,
// Codex notify thread-id).
import { randomUUID } from 'node:crypto';
import type { AgentName } from '../../common/workcell.js';
import type { HookEvent } from './hookSink.js';

/** A UUID to pass as `--session-id` for the vendors that accept one at launch; undefined otherwise. */
export function newSessionId(agent: AgentName): string | undefined {
  return agent === 'claude' || agent === 'gemini' || agent === 'copilot' ? randomUUID() : undefined;
}

/** The newest session id a hook event carried (Claude/Gemini session_id, Codex thread-id). */
export function sessionIdFromHooks(events: readonly HookEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const id = events[i]!.sessionId;
    if (id) return id;
  }
  return null;
}
