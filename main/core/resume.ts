import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isEnded, type WorkcellStatus } from '../common/workcell.js';
import { ADAPTERS } from './agents/adapters.js';
import { prepareHooks, readHookEvents } from './agents/hooks.js';
import { sessionIdFromHooks } from './agents/sessionIds.js';
import { exists } from './fsutil.js';
import { gitHead } from './git.js';
import { ensureHome } from './home.js';
import { RUN_FILES, type ControlDir } from './paths.js';
import { err, ok, type Result } from './result.js';
import type { RunStore } from './runStore.js';
import { Transitions } from './transition.js';
import { launchInTmux } from './start.js';
import type { Tmux } from './tmux.js';
import type { WorkcellSummary } from '../common/workcell.js';

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
const KEPT = [RUN_FILES.status, RUN_FILES.handoff, RUN_FILES.brief] as const;

/** The message a headless pass resumes with. It starts with a letter, so no CLI reads it as an option. */
export function headlessResumePrompt(runDir: string): string {
  return `Continue the task described in ${join(runDir, RUN_FILES.brief)}. The previous pass stopped before it was done: read ${join(runDir, RUN_FILES.handoff)} if it exists, then finish the task and write the handoff note the brief asks for.`;
}

/** The argv of the next pass: the vendor's own resume by session id, else "continue the latest
 * session here", else (any command) the same argv again. A `--headless` workcell stays headless: its
 * vendor's non-interactive resume, else its own headless launch again (never an interactive TUI that
 * would sit at its prompt and never exit). */
export function resumeArgv(
  s: WorkcellStatus,
  sessionId: string | null,
  hookArgs: string[],
  runDir = '',
): { argv: string[]; how: string } {
  const a = ADAPTERS[s.agent];
  if (s.agent === 'command') return { argv: s.argv, how: 'the same command again' };
  if (s.headless) {
    if (sessionId && a.resumeHeadless)
      return {
        argv: a.resumeHeadless(sessionId, headlessResumePrompt(runDir), { hookArgs }),
        how: `headless resume of vendor session ${sessionId}`,
      };
    return { argv: s.argv, how: 'a fresh headless launch with the same brief (it exits when done)' };
  }
  if (sessionId && a.resume)
    return { argv: a.resume(sessionId, [], { hookArgs }), how: `resume of vendor session ${sessionId}` };
  if (a.continueLast)
    return { argv: a.continueLast([], { hookArgs }), how: 'continue of the latest session in the repo' };
  return { argv: s.argv, how: 'a fresh launch with the same brief (this agent cannot resume)' };
}

/** Starts the next pass of an ended workcell in place: earlier artifacts go to history/<pass>/. */
export async function resumeWorkcell(
  dir: ControlDir,
  tmux: Tmux,
  store: RunStore,
  w: WorkcellSummary,
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
  const s = await store.readStatus(w.name);
  if (!s) return err('NOT_FOUND', `no workcell named ${w.name}`);
  const home = await ensureHome(dir);
  if (!home.ok) return home;
  if (w.pane) await tmux.killSession(w.name); // the dead pane of the last pass; gone already is fine

  const runDir = dir.runDir(w.name);
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

  const hookEvents = (await readHookEvents(runDir, 0).catch(() => ({ events: [] }))).events;
  const sessionId = s.vendorSessionId ?? sessionIdFromHooks(hookEvents);
  const hooks = await prepareHooks(s.agent, runDir);
  const { argv, how } = resumeArgv(s, sessionId, hooks.args, runDir);
  const now = new Date().toISOString();
  const next: WorkcellStatus = {
    ...s,
    argv,
    state: 'starting',
    pass: s.pass + 1,
    startedAt: now,
    endedAt: null,
    exitCode: null,
    signal: null,
    verify: { ran: false, exitCode: null, at: null },
    vendorSessionId: sessionId,
    git: { headAtStart: await gitHead(s.repo), headAtEnd: null, commits: null, dirty: null, diffStat: null },
    reason: null,
    resetAt: null,
    evidence: { source: 'engine', detail: `pass ${s.pass + 1}: ${how}`, at: now },
  };
  const transitions = new Transitions(store);
  await transitions.transition(w.name, {
    to: 'starting',
    newPass: true,
    when: (x) => x.pass === s.pass,
    patch: next,
    evidence: next.evidence,
    event: { type: 'resumed', pass: next.pass, from: s.state, how },
  });
  const r = await launchInTmux(dir, tmux, w.name, s.repo, argv, hooks.env);
  if (!r.ok) {
    const at = new Date().toISOString();
    await transitions.transition(w.name, {
      to: 'failed',
      patch: { endedAt: at },
      evidence: { source: 'engine', detail: `resume could not start tmux: ${r.error.message}`, at },
    });
    return err('TMUX_FAILED', `could not resume ${w.name}: ${r.error.message}`);
  }
  const running = await transitions.transition(w.name, {
    to: 'running',
    when: (x) => x.state === 'starting' && x.pass === next.pass,
    evidence: {
      source: 'engine',
      detail: `pass ${next.pass} launched in tmux`,
      at: new Date().toISOString(),
    },
  });
  return ok(running.status ?? next);
}
