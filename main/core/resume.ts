// The next pass of an ended workcell (DESIGN.md §8): check first, then the right verb. The vendor's
// transcript of the recorded session must exist where the vendor keeps it before its resume flag is
// used; otherwise a create command is never replayed (Claude refuses a reused --session-id) and the
// pass never starts blank while claiming a resume: it resumes from artifacts (checkpoint, handoff,
// diff) and says so, or, when the user asked for the exact conversation, it is refused with the
// reason. `planResume` is the read-only decision, for `workcell resume` and for recovery alike.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isEnded, type VendorSessionRecord, type WorkcellStatus } from '../common/workcell.js';
import { ADAPTERS, taskPrompt } from './agents/adapters.js';
import { prepareHooks, readHookEvents } from './agents/hooks.js';
import { captureSessionId, transcriptSize, vendorTranscript, type VendorEnv } from './agents/sessionStore.js';
import { followSession, newSessionId } from './agents/sessionIds.js';
import { appendJournal } from './continuity/journal.js';
import { loadRules } from './continuity/repoRules.js';
import { resumeBrief } from './continuity/resumeBrief.js';
import { promptOf, screenMarks } from './continuity/screenMarks.js';
import { runSetup } from './continuity/setupCommands.js';
import { exists, readJson, writeJsonAtomic } from './fsutil.js';
import { gitHead } from './git.js';
import { ensureHome } from './home.js';
import { RUN_FILES, type ControlDir } from './paths.js';
import { err, ok, type Result } from './result.js';
import type { RunStore } from './runStore.js';
import { Transitions } from './transition.js';
import { launchInTmux } from './start.js';
import type { Tmux } from './tmux.js';
import { which } from './which.js';
import type { WorkcellSummary } from '../common/workcell.js';

export { readCheckpoint } from './continuity/checkpoint.js';

// What a pass leaves that the next one must not mistake for its own. Moved into history/<pass>/.
const PER_PASS = [
  RUN_FILES.log,
  RUN_FILES.exit,
  RUN_FILES.killed,
  RUN_FILES.verifyLog,
  RUN_FILES.proc,
  RUN_FILES.verifyProc,
  RUN_FILES.logPrevious,
] as const;
// Copied (the next pass and the human still read them in place).
const KEPT = [RUN_FILES.status, RUN_FILES.handoff, RUN_FILES.brief, 'checkpoint.json'] as const;
/** What the last resume expected to see, for `confirmResume`. */
export const RESUME_FILE = 'resume.json';
/** The brief of a resume from artifacts (brief.md stays the original task). */
export const RESUME_BRIEF_FILE = 'resume-brief.md';

/** How the next pass will start. `vendor`: the CLI reopens the recorded conversation; `artifacts`: a
 * new conversation briefed from checkpoint, handoff and diff; `refuse`: the user asked for the exact
 * conversation and it cannot be had; `rerun`: a plain command (no conversation), run again. */
export type ResumeKind = 'vendor' | 'artifacts' | 'refuse' | 'rerun';
export interface ResumePlan {
  kind: ResumeKind;
  /** One sentence for the user: why this kind. */
  reason: string;
  sessionId: string | null;
  /** The vendor transcript that was checked (null when none was found). */
  transcript: string | null;
}

export interface ResumeOptions {
  /** Only the exact vendor conversation will do: refuse instead of resuming from artifacts. */
  exact?: boolean;
  /** The agent's environment (HOME, CLAUDE_CONFIG_DIR, CODEX_HOME, ...): where the vendor keeps its
   * sessions. Default: this process's environment, which the tmux server the pass runs under has. */
  env?: VendorEnv;
  now?: () => Date;
  /** How long one SUPERVISOR.md setup command may run (default continuity/setupCommands.ts). */
  setupTimeoutMs?: number;
}

/** The message a headless pass resumes with. It starts with a letter, so no CLI reads it as an option. */
export function headlessResumePrompt(runDir: string): string {
  return `Continue the task described in ${join(runDir, RUN_FILES.brief)}. The previous pass stopped before it was done: read ${join(runDir, RUN_FILES.handoff)} if it exists, then finish the task and write the handoff note the brief asks for.`;
}

/** `--model X` / `-m X` / `--model=X` of the last pass, passed again on resume: some CLIs revert to
 * their default model on a resume without it. Only flags before `--` (after it is the prompt). */
export function modelArgs(argv: readonly string[]): string[] {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('--model=')) return [a];
    if ((a === '--model' || a === '-m') && argv[i + 1] !== undefined) return ['--model', argv[i + 1]!];
  }
  return [];
}

/** The current vendor session of a workcell: its record, followed through the hook events (a switch
 * the daemon did not see), else captured now (codex rollout, opencode store). */
export async function currentSession(
  runDir: string,
  s: WorkcellStatus,
  env: VendorEnv,
): Promise<VendorSessionRecord> {
  const base: VendorSessionRecord = s.vendorSession ?? {
    id: s.vendorSessionId,
    how: s.vendorSessionId ? 'minted' : 'none',
    at: s.startedAt,
    previous: [],
  };
  const events = (await readHookEvents(runDir, 0).catch(() => ({ events: [] }))).events;
  const rec = followSession(base, events);
  if (rec.id) return rec;
  const got = await captureSessionId(s.agent, { cwd: s.repo, since: new Date(s.startedAt), env });
  return got
    ? { id: got.id, how: 'captured', at: new Date().toISOString(), source: 'store', previous: [] }
    : rec;
}

/** Read-only: how the next pass of this workcell would start, and why. */
export async function planResume(
  dir: ControlDir,
  store: RunStore,
  name: string,
  o: ResumeOptions = {},
): Promise<Result<ResumePlan & { status: WorkcellStatus; session: VendorSessionRecord }>> {
  const s = await store.readStatus(name);
  if (!s) return err('NOT_FOUND', `no workcell named ${name}`);
  const env = o.env ?? process.env;
  const runDir = dir.runDir(name);
  const session = await currentSession(runDir, s, env);
  const a = ADAPTERS[s.agent];
  const done = (p: ResumePlan) => ok({ ...p, status: s, session });
  if (s.agent === 'command')
    return done({
      kind: 'rerun',
      reason: 'a plain command has no conversation to reopen: it runs again',
      sessionId: null,
      transcript: null,
    });
  let why: string;
  if (s.agent === 'aider') {
    // aider keeps its chat in the repo and reopens it with --restore-chat-history.
    const history = join(s.repo, '.aider.chat.history.md');
    if (!s.headless && (await exists(history)))
      return done({
        kind: 'vendor',
        reason: `aider's chat history is at ${history}`,
        sessionId: null,
        transcript: history,
      });
    why = s.headless ? 'aider has no headless resume' : `aider's chat history ${history} is missing`;
  } else if (!session.id) {
    why = `no ${s.agent} session id was recorded for this workcell`;
  } else if (s.headless ? !a.resumeHeadless : !a.resume) {
    why = `${s.agent} has no ${s.headless ? 'headless ' : ''}resume by session id`;
  } else {
    const transcript = await vendorTranscript(s.agent, session.id, { cwd: s.repo, env });
    if (transcript)
      return done({
        kind: 'vendor',
        reason: `${s.agent} session ${session.id} is on disk at ${transcript}`,
        sessionId: session.id,
        transcript,
      });
    why = `the transcript of ${s.agent} session ${session.id} is not where ${s.agent} keeps it (deleted, another machine or another config dir)`;
  }
  if (o.exact)
    return done({
      kind: 'refuse',
      reason: `cannot reopen the exact conversation: ${why}`,
      sessionId: session.id,
      transcript: null,
    });
  return done({ kind: 'artifacts', reason: why, sessionId: session.id, transcript: null });
}

/** The argv of a pass that reopens the vendor conversation (kind `vendor`). */
export function resumeArgv(
  s: WorkcellStatus,
  sessionId: string | null,
  hookArgs: string[],
  runDir = '',
): { argv: string[]; how: string } {
  const a = ADAPTERS[s.agent];
  const model = modelArgs(s.argv);
  if (s.agent === 'command') return { argv: s.argv, how: 'the same command again' };
  if (s.headless) {
    if (sessionId && a.resumeHeadless)
      return {
        argv: withModel(
          a.resumeHeadless(sessionId, headlessResumePrompt(runDir), { hookArgs }),
          model,
          sessionId,
        ),
        how: `headless resume of vendor session ${sessionId}`,
      };
    return { argv: s.argv, how: 'a fresh headless launch with the same brief (it exits when done)' };
  }
  if (sessionId && a.resume)
    return { argv: a.resume(sessionId, model, { hookArgs }), how: `resume of vendor session ${sessionId}` };
  if (a.continueLast)
    return { argv: a.continueLast(model, { hookArgs }), how: 'continue of the latest session in the repo' };
  return { argv: s.argv, how: 'a fresh launch with the same brief (this agent cannot resume)' };
}

// The model flag goes right after the session id: before the prompt, and never between a flag and its
// value (`copilot --resume ID -p PROMPT`: commander would take `--model` as -p's value).
function withModel(argv: string[], model: string[], sessionId: string): string[] {
  const at = argv.lastIndexOf(sessionId);
  if (!model.length || at < 0) return argv;
  return [...argv.slice(0, at + 1), ...model, ...argv.slice(at + 1)];
}

/** Starts the next pass of an ended workcell in place: earlier artifacts go to history/<pass>/. */
export async function resumeWorkcell(
  dir: ControlDir,
  tmux: Tmux,
  store: RunStore,
  w: WorkcellSummary,
  o: ResumeOptions = {},
): Promise<Result<WorkcellStatus>> {
  if (!isEnded(w.state)) {
    return err(
      'STILL_RUNNING',
      `workcell ${w.name} is ${w.state}: only an ended workcell can be resumed (kill it first)`,
    );
  }
  if (w.pane && !w.pane.dead) {
    // The agent ended but its pane still runs the finisher (verify.sh, the git summary, the handoff).
    return err(
      'STILL_RUNNING',
      `workcell ${w.name} is still finishing (verify.sh and the git summary run in its pane): resume it once that is done`,
    );
  }
  const now = o.now ?? (() => new Date());
  const planned = await planResume(dir, store, w.name, o);
  if (!planned.ok) return planned;
  const plan = planned.value;
  const s = plan.status;
  if (plan.kind === 'refuse')
    return err('SESSION_GONE', `${w.name}: ${plan.reason}; without --exact it resumes from artifacts`);
  // The binary is resolved afresh: an upgrade or a PATH change since the start must be seen now.
  const bin = s.agent === 'command' ? s.argv[0] : ADAPTERS[s.agent].bin;
  if (bin && !(await which(bin, s.repo)))
    return err(
      'AGENT_MISSING',
      `agent ${s.agent}: executable ${JSON.stringify(bin)} not found on PATH: ${s.agent === 'command' ? 'check the program name and PATH' : ADAPTERS[s.agent].install}`,
    );
  // The new pass's head at start, beside the home check and the archive (it never rejects).
  const headAtStart = gitHead(s.repo);
  const home = await ensureHome(dir);
  if (!home.ok) return home;
  const runDir = dir.runDir(w.name);
  // SUPERVISOR.md as it is now (a new pass takes the repo's current rules): its setup commands run
  // before anything of the last pass is moved, so a failure leaves the workcell as it was.
  const rules = await loadRules(s.repo);
  if (!rules.ok) return rules;
  if (rules.value?.setup.length) {
    const setup = await runSetup(runDir, s.repo, rules.value.setup, s.pass + 1, {
      ...(o.setupTimeoutMs ? { timeoutMs: o.setupTimeoutMs } : {}),
    });
    await store.appendEvent(w.name, {
      type: setup.ok ? 'setup-ran' : 'setup-failed',
      pass: s.pass + 1,
      detail: setup.ok ? `${setup.value.ran} command(s), output in ${setup.value.log}` : setup.error.message,
    });
    if (!setup.ok) return err(setup.error.code, `${w.name}: ${setup.error.message}`);
  }
  if (w.pane) await tmux.killSession(w.name); // the dead pane of the last pass; gone already is fine

  const hist = join(runDir, RUN_FILES.history, String(s.pass));
  try {
    await fs.mkdir(hist, { recursive: true, mode: 0o700 });
    for (const f of PER_PASS)
      if (await exists(join(runDir, f))) await fs.rename(join(runDir, f), join(hist, f));
    for (const f of KEPT)
      if (await exists(join(runDir, f))) await fs.copyFile(join(runDir, f), join(hist, f));
    await fs.writeFile(join(runDir, RUN_FILES.log), '', { mode: 0o600 });
  } catch (e) {
    return err(
      'NOT_WRITABLE',
      `cannot archive pass ${s.pass} of ${w.name} (${(e as NodeJS.ErrnoException).code ?? String(e)}): free some disk space`,
    );
  }

  const hooks = await prepareHooks(s.agent, runDir);
  let argv: string[];
  let how: string;
  let session = plan.session;
  if (plan.kind === 'artifacts') {
    // A new conversation (a new minted id where the CLI takes one), briefed from the artifacts.
    const text = await resumeBrief(runDir, s, plan.reason);
    const path = join(runDir, RESUME_BRIEF_FILE);
    await fs.writeFile(path, text, { mode: 0o600 });
    const id = newSessionId(s.agent);
    argv = ADAPTERS[s.agent].launch(taskPrompt(text, path), modelArgs(s.argv), {
      runDir,
      sessionId: id,
      settingsFile: hooks.settingsFile,
      hookArgs: hooks.args,
      headless: s.headless === true,
    });
    how = `resume from artifacts (checkpoint, handoff, diff; ${RESUME_BRIEF_FILE}), not the conversation: ${plan.reason}`;
    const previous = session.id ? [...session.previous, session.id].slice(-10) : session.previous;
    session = id
      ? { id, how: 'minted', at: now().toISOString(), source: 'artifacts', previous }
      : { id: null, how: 'none', at: now().toISOString(), previous };
  } else {
    ({ argv, how } = resumeArgv(s, plan.sessionId, hooks.args, runDir));
  }
  const at = now().toISOString();
  // The conversation's first prompt (this pass's, or carried from the resume that reopened it).
  const earlier = await readJson<{ screenMarks?: string[] }>(join(runDir, RESUME_FILE)).catch(() => null);
  const marks =
    plan.kind === 'vendor'
      ? [...new Set([...screenMarks(promptOf(s.argv)), ...(earlier?.screenMarks ?? [])])].slice(0, 6)
      : [];
  const hookOffset = await fs.stat(join(runDir, RUN_FILES.hooks, 'events.jsonl')).then(
    (x) => x.size,
    () => 0,
  );
  await writeJsonAtomic(join(runDir, RESUME_FILE), {
    pass: s.pass + 1,
    kind: plan.kind,
    reason: plan.reason,
    sessionId: plan.kind === 'vendor' ? plan.sessionId : null,
    transcript: plan.transcript,
    transcriptSize: plan.transcript ? await transcriptSize(plan.transcript) : -1,
    hookOffset,
    screenMarks: marks,
    at,
  });
  const next: WorkcellStatus = {
    ...s,
    argv,
    state: 'starting',
    pass: s.pass + 1,
    startedAt: at,
    endedAt: null,
    exitCode: null,
    signal: null,
    verify: { ran: false, exitCode: null, at: null },
    vendorSessionId: session.id,
    vendorSession: session,
    git: { headAtStart: await headAtStart, headAtEnd: null, commits: null, dirty: null, diffStat: null },
    reason: null,
    resetAt: null,
    evidence: { source: 'engine', detail: `pass ${s.pass + 1}: ${how}`, at },
  };
  const transitions = new Transitions(store, now);
  await transitions.transition(w.name, {
    to: 'starting',
    newPass: true,
    when: (x) => x.pass === s.pass,
    patch: next,
    evidence: next.evidence,
    event: { type: 'resumed', pass: next.pass, from: s.state, how, kind: plan.kind, reason: plan.reason },
  });
  const r = await launchInTmux(dir, tmux, w.name, s.repo, argv, hooks.env, next.pass);
  if (!r.ok) {
    const end = now().toISOString();
    await transitions.transition(w.name, {
      to: 'failed',
      patch: { endedAt: end },
      evidence: { source: 'engine', detail: `resume could not start tmux: ${r.error.message}`, at: end },
    });
    return err('TMUX_FAILED', `could not resume ${w.name}: ${r.error.message}`);
  }
  const running = await transitions.transition(w.name, {
    to: 'running',
    when: (x) => x.state === 'starting' && x.pass === next.pass,
    evidence: {
      source: 'engine',
      detail: `pass ${next.pass} launched in tmux: ${how}`,
      at: now().toISOString(),
    },
  });
  const st = running.status ?? next;
  await appendJournal(
    dir,
    { kind: 'resume', name: w.name, repo: s.repo, agent: s.agent, state: st.state, argv, note: how },
    { now: now() },
  );
  // The checkpoint of the new pass ("resumed") is the daemon keeper's, at its first look (as for start).
  return ok(st);
}
