// The recovery actions themselves (issue 11), shared by the daemon (automatic, policy auto) and the
// user (`workcell recover NAME`, the bridge route): resume a limited workcell once its limit reset,
// relaunch a lost or partial one, snapshot the repo first. Each action is claimed in recovery.json
// before it starts (record.ts), so it happens once however many callers race; each leaves an audit
// line (`type: recovery`) in events.jsonl that `explain` and the dashboard timeline show.
import { isEnded, type WorkcellSummary } from '../../common/workcell.js';
import type { Engine } from '../engine.js';
import { escapeTmuxArg, type Tmux } from '../tmux.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SETUP_TIMEOUT_MS } from '../continuity/setupCommands.js';
import { RUN_FILES, type ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { rewriteBrief } from './brief.js';
import { continueTurn, objectiveOf, readLimitScreen, stateMark } from './plan.js';
import { claimLimit, updateRecovery, type LimitSchedule } from './record.js';
import { snapshotRepo, type Snapshot } from './snapshot.js';

export interface ActDeps {
  dir: ControlDir;
  engine: Engine;
  tmux: Tmux;
  /** The clock seam: due times and attempts are computed from it. */
  now: () => number;
  log: (line: string) => void;
  /** How long a firing may take before its claim is moved on (default FIRE_DEADLINE_MS). */
  fireDeadlineMs?: number;
}

/** A relaunch runs SUPERVISOR.md's setup commands (each up to SETUP_TIMEOUT_MS) and may stop a
 * finisher first: a firing that has not answered in this long is not going to. */
export const FIRE_DEADLINE_MS = SETUP_TIMEOUT_MS + 5 * 60_000;
const RETRY_NOTE = 'the relaunch failed before it started';

export type Trigger = 'auto' | 'user';

/** One audit line: what recovery did, why, and how to undo or see it. */
export async function audit(
  d: ActDeps,
  name: string,
  action: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  d.log(`recovery: ${name}: ${action}: ${detail}`);
  await d.engine.store.appendEvent(name, { type: 'recovery', action, detail, ...extra }).catch(() => {
    // the run dir was removed meanwhile (gc --remove): nothing left to record into
  });
}

/** Snapshots the workcell's repo before an action that (re)starts an agent in it. An error means the
 * action must not run: uncommitted work could not be secured. */
export async function snapshotFirst(
  d: ActDeps,
  w: WorkcellSummary,
  why: string,
): Promise<Result<Snapshot | null>> {
  const s = await snapshotRepo(w.repo, w.name, w.pass, why);
  if (!s.ok) {
    await audit(d, w.name, 'snapshot-failed', `${s.error.message}: nothing was relaunched`);
    return s;
  }
  if (s.value)
    await audit(
      d,
      w.name,
      'snapshot',
      `uncommitted work saved to ${s.value.ref}; undo with \`workcell restore ${w.name} ${s.value.id}\``,
      {
        ref: s.value.ref,
        commit: s.value.commit,
        snapshot: s.value.id,
      },
    );
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Types into a live pane: `send-keys -l` (literal: no key names, nothing tmux expands), then Enter. */
async function typeTurn(tmux: Tmux, name: string, text: string): Promise<Result<string>> {
  const t = await tmux.run(['send-keys', '-t', `=${name}:`, '-l', escapeTmuxArg(text)]);
  if (!t.ok) return t;
  // A TUI reads a paste and its Enter in one read as a newline inside the prompt: let it take the text
  // first (measured with claude-code: 100 ms is enough; 200 gives room on a loaded machine).
  await sleep(200);
  return tmux.run(['send-keys', '-t', `=${name}:`, 'Enter']);
}

export type FireOutcome =
  | { kind: 'fired'; how: string }
  | { kind: 'waiting'; why: string }
  | { kind: 'gave_up'; why: string }
  | { kind: 'not_claimed' };

/**
 * Resumes a workcell whose usage limit has reset: a live agent gets its limit menu answered ("stop and
 * wait", by its position) and an explicit turn saying why work stopped; an agent that exited is
 * relaunched (vendor resume by session id, else from artifacts). The schedule moves to `confirming`:
 * the caller confirms the limit is gone before calling it resumed.
 */
export async function fireLimit(
  d: ActDeps,
  seen: WorkcellSummary,
  l: LimitSchedule,
  trigger: Trigger,
): Promise<FireOutcome> {
  const firedAt = new Date(d.now()).toISOString();
  if (!(await claimLimit(d.dir, seen.name, l.id, 'scheduled', 'firing', { firedAt })))
    return { kind: 'not_claimed' };
  const w = await freshLook(d, seen);
  // From here on the claim must leave `firing`, whatever happens: a step that threw (a status lock
  // that stayed ELOCKED, an fs error) or an action that never answered used to leave it there for good
  // (nothing else moves a firing claim but a daemon restart), the workcell never resumed and, the
  // daemon's recovery steps being one at a time, no other workcell's either.
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const deadlineMs = d.fireDeadlineMs ?? FIRE_DEADLINE_MS;
  try {
    return await Promise.race([
      fireClaimed(d, w, l, trigger),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`it did not finish within ${Math.round(deadlineMs / 1000)} s`));
        }, deadlineMs);
      }),
    ]);
  } catch (e) {
    const why = (e as Error).message;
    // A relaunch that threw while the workcell is still the ended pass that hit the limit started
    // nothing (resume archives and launches only after its checks): due again at once, the attempt not
    // spent, once. (Seen: ELOCKED, a status lock still held after its wait, on a loaded machine.)
    const retried = l.note?.startsWith(RETRY_NOTE) ?? false;
    if (!timedOut && !retried && !(!isEnded(w.state) && w.pane !== null && !w.pane.dead)) {
      const s = await d.engine.store.readStatus(w.name).catch(() => null);
      if (s && s.pass === w.pass && isEnded(s.state)) {
        const note = `${RETRY_NOTE} (${why}): trying again`;
        await claimLimit(d.dir, w.name, l.id, 'firing', 'scheduled', {
          note,
          dueAt: new Date(d.now()).toISOString(),
        }).catch(() => false); // the run dir removed meanwhile (gc --remove)
        await audit(d, w.name, 'retry', note);
        return { kind: 'waiting', why };
      }
    }
    // The action may have happened (the relaunch may have started its pass before the error): it is
    // confirmed like a firing the daemon stopped in the middle of (Recoverer.start), never fired again
    // blindly. The check says what came of it; a limit still there is parked again, the attempt counted.
    await toConfirming(d, w, l, `unsure: the resume failed midway (${why})`).catch(() => undefined); // the run dir removed meanwhile (gc --remove)
    await audit(d, w.name, 'resume-unsure', `the resume failed midway (${why}): confirming what happened`);
    return { kind: 'fired', how: `the resume failed midway (${why}); confirming what happened` };
  } finally {
    clearTimeout(timer);
  }
}

/** The workcell as it is now, not as the recoverer's fleet last saw it: an agent that showed its limit
 * and exited since is relaunched, where the look before would have typed "continue" into a pane whose
 * agent had gone (and the check after it gave up). Same pass only: another pass is not this limit's. */
async function freshLook(d: ActDeps, seen: WorkcellSummary): Promise<WorkcellSummary> {
  const r = await d.engine.status(seen.name).catch(() => null); // unreadable now: act on what was seen
  return r?.ok && r.value.pass === seen.pass ? r.value : seen;
}

/** The firing claim of `l` -> confirming: the attempt counted, and the check after it (confirm.ts)
 * starts from the pass and state it fired on. */
async function toConfirming(d: ActDeps, w: WorkcellSummary, l: LimitSchedule, how: string): Promise<void> {
  await updateRecovery(d.dir, w.name, (rec) =>
    rec.limit?.id === l.id && rec.limit.state === 'firing'
      ? {
          ...rec,
          limit: {
            ...rec.limit,
            state: 'confirming',
            how,
            attempts: l.attempts + 1,
            seenSince: stateMark(w),
            seenPass: w.pass,
            check: undefined, // a fresh look for this firing (JSON drops it)
          },
        }
      : null,
  );
}

/** fireLimit once its claim is won. */
async function fireClaimed(
  d: ActDeps,
  w: WorkcellSummary,
  l: LimitSchedule,
  trigger: Trigger,
): Promise<FireOutcome> {
  const back = async (to: 'scheduled' | 'gave_up', note: string, patch: Partial<LimitSchedule> = {}) => {
    await claimLimit(d.dir, w.name, l.id, 'firing', to, { note, ...patch });
  };
  const live = !isEnded(w.state) && w.pane !== null && !w.pane.dead;
  let how: string;
  if (live) {
    const cap = await d.tmux.capture(w.name, {});
    const screen = readLimitScreen(cap.ok ? cap.value : '');
    if (screen.kind === 'vendor-retrying') {
      // The vendor's own retry is running: typing over it would append a turn to a retry in flight.
      const dueAt = new Date(d.now() + 60_000).toISOString();
      await back('scheduled', `the vendor's own retry is running (${screen.line}): looking again in 1 m`, {
        dueAt,
      });
      await audit(
        d,
        w.name,
        'wait',
        `the vendor's own retry is running (${screen.line}); looking again in 1 m`,
      );
      return { kind: 'waiting', why: screen.line };
    }
    if (screen.kind === 'menu') {
      if (!screen.key) {
        const why = `a limit menu is open but "stop and wait" has no number to pick it by (${screen.line}): choose it yourself, then \`workcell recover ${w.name}\``;
        await back('gave_up', why);
        await audit(d, w.name, 'gave-up', why);
        return { kind: 'gave_up', why };
      }
      // By its position: never a bare Enter, which takes whatever option is highlighted.
      const k = await d.tmux.run(['send-keys', '-t', `=${w.name}:`, '-l', screen.key]);
      if (!k.ok) {
        await back('gave_up', `could not answer the limit menu: ${k.error.message}`);
        return { kind: 'gave_up', why: k.error.message };
      }
      await audit(d, w.name, 'menu', `chose "${screen.line}" (key ${screen.key})`);
      await sleep(300);
    }
    const brief = await readFile(join(d.dir.runDir(w.name), RUN_FILES.brief), 'utf8').catch(() => '');
    const t = await typeTurn(d.tmux, w.name, continueTurn(objectiveOf(brief)));
    if (!t.ok) {
      await back('gave_up', `could not type into ${w.name}: ${t.error.message}`);
      return { kind: 'gave_up', why: t.error.message };
    }
    how = 'sent an explicit continue turn to the live agent (send-keys -l)';
  } else {
    const snap = await snapshotFirst(d, w, 'before relaunching after a usage limit');
    if (!snap.ok) {
      await back('gave_up', snap.error.message);
      return { kind: 'gave_up', why: snap.error.message };
    }
    const r = await d.engine.resume(w.name);
    if (!r.ok) {
      await back('gave_up', `relaunch failed: ${r.error.message}`);
      await audit(d, w.name, 'gave-up', `relaunch failed: ${r.error.message}`);
      return { kind: 'gave_up', why: r.error.message };
    }
    how = `relaunched: ${r.value.evidence?.detail ?? `pass ${r.value.pass}`}`;
  }
  await toConfirming(d, w, l, how);
  await audit(
    d,
    w.name,
    'resume',
    `${how} (${trigger === 'user' ? 'asked by the user' : 'usage limit reset'}; attempt ${l.attempts + 1} of 2); confirming the limit is gone`,
    { trigger },
  );
  return { kind: 'fired', how };
}

/** Relaunches a lost (tmux or the machine died) or partial workcell. Snapshot first; a partial one gets
 * its brief rewritten for the remaining scope. Says which resume it was: by vendor session id, or from
 * artifacts (never a blank conversation passed off as a resume). */
export async function relaunch(
  d: ActDeps,
  w: WorkcellSummary,
  kind: 'lost' | 'partial',
  trigger: Trigger,
): Promise<Result<string>> {
  const snap = await snapshotFirst(
    d,
    w,
    kind === 'lost' ? 'before resuming a lost workcell' : 'before resuming a partial pass',
  );
  if (!snap.ok) return snap;
  if (kind === 'partial') {
    const s = await d.engine.store.readStatus(w.name);
    if (!s) return err('NOT_FOUND', `no workcell named ${w.name}`);
    const why = await rewriteBrief(d.dir, s);
    if (why)
      await audit(
        d,
        w.name,
        'brief',
        `brief.md rewritten for the remaining scope (${why}); the previous one is in history/${s.pass}/brief.before-rewrite.md`,
      );
  }
  const r = await d.engine.resume(w.name);
  if (!r.ok) {
    await audit(d, w.name, 'gave-up', `resume failed: ${r.error.message}`);
    return r;
  }
  // Said as it is, from the engine's own `resumed` event (the status's evidence may already be the
  // supervisor's next look): the vendor conversation by its id, a new one briefed from the artifacts,
  // or (a plain command, which has no conversation) the same command again. Never a blank start called
  // a resume.
  const events = await d.engine.store.readEvents(w.name).catch(() => []);
  const ev = events.findLast((e) => e.type === 'resumed' && e.pass === r.value.pass);
  const detail = String(ev?.how ?? r.value.evidence?.detail ?? '');
  const from =
    ev?.kind === 'vendor'
      ? 'by vendor session id'
      : ev?.kind === 'artifacts'
        ? 'from artifacts (brief.md, handoff.md): not the old conversation'
        : 'as a rerun: a plain command has no conversation to reopen, it runs again';
  const how = `${detail}; resumed ${from}`;
  await audit(
    d,
    w.name,
    'resume',
    `${kind === 'lost' ? 'lost workcell' : 'partial pass'} resumed (${trigger === 'user' ? 'asked by the user' : 'automatic'}): ${how}`,
    { trigger, kind, from },
  );
  return ok(how);
}
