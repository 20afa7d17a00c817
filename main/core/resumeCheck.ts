// Did the resume happen? A launch is not a resume: the vendor may have opened a new, blank session, or
// stopped at a dialog. Evidence, best first: a SessionStart hook with source "resume" and the same id
// (a new id is a mismatch), new lines in the same transcript, the conversation on screen (a line of
// the task the conversation began with: continuity/screenMarks.ts). A blocking
// dialog (Claude's "resume from summary" for a large session, a trust prompt) makes the pass
// `waiting`, not `running`, with the dialog line as evidence.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isEnded } from '../common/workcell.js';
import { readHookEvents } from './agents/hooks.js';
import { transcriptSize } from './agents/sessionStore.js';
import { markOnScreen } from './continuity/screenMarks.js';
import type { ControlDir } from './paths.js';
import { RESUME_FILE, type ResumeKind } from './resume.js';
import type { RunStore } from './runStore.js';
import type { Tmux } from './tmux.js';
import { Transitions } from './transition.js';

interface ResumeRecord {
  pass: number;
  kind: ResumeKind;
  sessionId: string | null;
  transcript: string | null;
  transcriptSize: number;
  hookOffset: number;
  /** Lines of the conversation's first prompt: on screen, they say it was reopened. */
  screenMarks?: string[];
}

export interface ResumeCheck {
  /** confirmed: evidence the conversation was reopened (or, for artifacts/rerun, the agent runs);
   * mismatch: the agent opened another session; waiting: a dialog blocks it; unconfirmed: no
   * evidence before the deadline; ended: the pass ended first. */
  verdict: 'confirmed' | 'mismatch' | 'waiting' | 'unconfirmed' | 'ended';
  detail: string;
}

// Lines of a dialog that blocks a resumed session until someone answers (claude-code 2.1, gemini 0.61).
export const BLOCKING_DIALOG =
  /resume from summary|resume full session|do you trust the files|trust this folder|do you trust this/i;

/** Watches one resumed workcell until the evidence says yes or no, or `timeoutMs` passes. */
export async function confirmResume(
  dir: ControlDir,
  tmux: Tmux,
  store: RunStore,
  name: string,
  o: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
): Promise<ResumeCheck> {
  const runDir = dir.runDir(name);
  const rec = JSON.parse(
    await readFile(join(runDir, RESUME_FILE), 'utf8').catch(() => 'null'),
  ) as ResumeRecord | null;
  if (!rec) return { verdict: 'unconfirmed', detail: 'no resume was recorded for this workcell' };
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  const transitions = new Transitions(store);
  for (;;) {
    const s = await store.readStatus(name);
    if (!s || s.pass !== rec.pass) return { verdict: 'ended', detail: 'a newer pass replaced this one' };
    const { events } = await readHookEvents(runDir, rec.hookOffset).catch(() => ({ events: [] }));
    const start = events.find((e) => e.event === 'SessionStart' && e.sessionId);
    if (rec.kind === 'vendor' && rec.sessionId && start) {
      if (start.sessionId === rec.sessionId && (start.startSource ?? 'resume') === 'resume')
        return done({
          verdict: 'confirmed',
          detail: `SessionStart source resume, same session ${rec.sessionId}`,
        });
      return done({
        verdict: 'mismatch',
        detail: `the agent opened session ${start.sessionId} (source ${start.startSource ?? '?'}), not ${rec.sessionId}`,
      });
    }
    if (
      rec.kind === 'vendor' &&
      rec.transcript &&
      (await transcriptSize(rec.transcript)) > rec.transcriptSize
    )
      return done({ verdict: 'confirmed', detail: `new lines in the same transcript ${rec.transcript}` });
    // The whole history of the new pane (this pass's only): a reopened conversation may redraw more
    // than a screenful, its first prompt scrolled up. A dialog counts only in the last 40 lines.
    const screen = await tmux.capture(name, { dead: true });
    const dialog = screen.ok
      ? screen.value
          .replace(/\n+$/, '')
          .split('\n')
          .slice(-40)
          .find((l) => BLOCKING_DIALOG.test(l))
      : undefined;
    if (dialog) {
      const at = new Date().toISOString();
      await transitions.transition(name, {
        to: 'waiting',
        when: (x) => !isEnded(x.state) && x.pass === rec.pass,
        evidence: {
          source: 'pane',
          detail: `resume stopped at a dialog: ${dialog.trim().slice(0, 160)}`,
          at,
        },
      });
      return done({
        verdict: 'waiting',
        detail: `a dialog blocks the resume: ${dialog.trim().slice(0, 160)}`,
      });
    }
    const mark =
      rec.kind === 'vendor' && screen.ok ? markOnScreen(screen.value, rec.screenMarks ?? []) : null;
    if (mark)
      return done({
        verdict: 'confirmed',
        detail: `the resumed conversation is on screen ("${mark}")`,
      });
    if (isEnded(s.state))
      return done({
        verdict: 'ended',
        detail: `the pass ended (${s.state}) before the resume was confirmed`,
      });
    if (rec.kind !== 'vendor' && s.state !== 'starting')
      return done({
        verdict: 'confirmed',
        detail: `${rec.kind === 'artifacts' ? 'resumed from artifacts' : 'command running again'}: the agent is ${s.state}`,
      });
    // Stopped (the daemon shutting down): no verdict, nothing recorded.
    if (o.signal?.aborted) return { verdict: 'unconfirmed', detail: 'the check was stopped' };
    if (Date.now() >= deadline)
      return done({
        verdict: 'unconfirmed',
        detail: 'no SessionStart, no new transcript lines, no dialog and no earlier turn on screen yet',
      });
    await new Promise((r) => setTimeout(r, o.pollMs ?? 100));
  }

  async function done(c: ResumeCheck): Promise<ResumeCheck> {
    await store.appendEvent(name, {
      type: 'resume-checked',
      pass: rec!.pass,
      verdict: c.verdict,
      detail: c.detail,
    });
    return c;
  }
}
