// Where each vendor's session id comes from (DESIGN.md §8): chosen up front where the CLI accepts one
// (claude, gemini and copilot `--session-id <uuid>`), captured where it cannot be chosen (codex's
// first rollout, opencode's session store: transcripts.ts), and followed through in-session switches
// (Claude's /clear and /resume fire SessionEnd, then SessionStart with a new id and its `source`).
// status.json keeps one record per workcell (`vendorSession`), always holding the current id;
// `vendorSessionId` mirrors its id for older readers.
import { randomUUID } from 'node:crypto';
import type { AgentName, VendorSessionRecord } from '../../common/workcell.js';
import type { HookEvent } from './hookSink.js';

/** A UUID to pass as `--session-id` for the vendors that accept one at launch; undefined otherwise.
 * (cursor-agent's `create-chat` would need a process start of its own before the launch: not done.) */
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

/** The record a start writes: minted when we chose the id, else empty until it is captured. */
export function mintedRecord(id: string | undefined, at: string): VendorSessionRecord {
  return id ? { id, how: 'minted', at, previous: [] } : { id: null, how: 'none', at, previous: [] };
}

/** The record after these hook events: a SessionStart (or any event) carrying another id than the
 * current one is a switch (Claude /clear, /resume, /compact: SessionEnd then SessionStart with a new
 * id and `source`); the first id seen where none was recorded is captured. Pure. Returns the record
 * unchanged (same object) when nothing changed. */
export function followSession(rec: VendorSessionRecord, events: readonly HookEvent[]): VendorSessionRecord {
  let cur = rec;
  for (const e of events) {
    if (!e.sessionId || e.sessionId === cur.id) continue;
    // Events older than the record were already followed (a re-read of the whole hook file, or the
    // last pass's events after a resume minted a new id).
    if (Date.parse(e.at) < Date.parse(cur.at)) continue;
    // Only a SessionStart says "this is now the session"; other events of an old id that arrive late
    // (a SessionEnd of the one just left) must not switch back.
    if (cur.id && e.event !== 'SessionStart') continue;
    cur = cur.id
      ? {
          id: e.sessionId,
          how: 'switched',
          at: e.at,
          ...(e.startSource ? { source: e.startSource } : {}),
          previous: [...cur.previous, cur.id].slice(-10),
        }
      : { id: e.sessionId, how: 'captured', at: e.at, source: 'hook', previous: cur.previous };
  }
  return cur;
}
