import { readCheckpoint, writeCheckpoint } from './continuity/checkpoint.js';
import { appendJournal } from './continuity/journal.js';
import { forbiddenTouched, readRulesSnapshot, RULES_FILE } from './continuity/repoRules.js';
import { spawn } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WorkcellStatus } from '../common/workcell.js';
import { exists, readTail, writeJsonAtomic, writeTextAtomic } from './fsutil.js';
import { gitSummary } from './git.js';
import { fillTemplate, readTemplate } from './home.js';
import { ControlDir, RUN_FILES } from './paths.js';
import { identify } from './processes.js';
import { deriveState } from './reconcile.js';
import type { RunStore } from './runStore.js';
import { Transitions } from './transition.js';
import { limitsOf, verifyAtOf } from './settingsJson.js';
import { emptyEndedPassLogs } from './agents/vendorLogs.js';

const VERIFY_TAIL_BYTES = 4_000;

export interface VerifyOutcome {
  exitCode: number | null;
  tail: string;
  /** Set when it has no exit code: "verify.sh could not run: the repo … is gone", "verify timed out
   * after 600s". Also written to verify.log (so the notification tail has it) and the pane. */
  reason?: string;
}

/** Why a repo cannot host verify.sh or the git summary, or null when it can. A repo deleted or moved
 * while the agent ran made verify read "FAILED (exit null)" with no reason (issue 8, B4). */
export function repoGone(repo: string): string | null {
  try {
    if (statSync(repo).isDirectory()) return null;
    return `the repo ${repo} is no longer a directory`;
  } catch {
    // ENOENT / ENOTDIR / EACCES: gone as far as a process started in it is concerned
    return `the repo ${repo} is gone (deleted or moved while the workcell ran)`;
  }
}

// Process groups of the verify.sh runs in this process, so the finisher can end them when it is
// hung up or terminated (a group of its own does not get the pane's SIGHUP).
const runningGroups = new Set<number>();

/** SIGKILLs every verify.sh group this process started and has not seen end. */
export function killRunningVerifies(): void {
  for (const g of runningGroups) killGroup(g);
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: the whole group has already gone
  }
}

/** Runs verify.sh with sh in the repo, streaming its output to `echo` (the pane) and verify.log.
 * It runs in a process group of its own, recorded in verify.proc.json, so the timeout (settings
 * verifyTimeoutSeconds), `kill` and `resume` end all of it: killing sh alone left its children
 * holding the output pipe, and the wait went on. */
export async function runVerify(
  runDir: string,
  repo: string,
  echo?: NodeJS.WritableStream,
  o: { timeoutMs?: number } = {},
): Promise<VerifyOutcome> {
  const script = join(runDir, RUN_FILES.verify);
  // runs/<name>/ inside the control dir: its settings.json, read without the schema.
  const timeoutMs =
    o.timeoutMs ?? limitsOf(new ControlDir(dirname(dirname(runDir))).settings).verifyTimeoutSeconds * 1000;
  const record = join(runDir, RUN_FILES.verifyProc);
  const log = await fs.open(join(runDir, RUN_FILES.verifyLog), 'w', 0o600);
  let recorded: Promise<unknown> = Promise.resolve();
  const because = async (reason: string): Promise<VerifyOutcome> => {
    const line = `[workcell] ${reason}\n`;
    echo?.write(line);
    await log.write(line);
    return { exitCode: null, tail: '', reason };
  };
  try {
    const gone = repoGone(repo);
    if (gone) return await because(`verify.sh could not run: ${gone}`);
    let reason: string | undefined;
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('/bin/sh', [script], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env },
        detached: true, // its own process group; it stays in the pane's session (processes.ts finds it)
      });
      const pgid = child.pid;
      let settled = false;
      const settle = (c: number | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (pgid) runningGroups.delete(pgid);
        resolve(c);
      };
      if (pgid) {
        runningGroups.add(pgid);
        // A failed write (full disk) only means kill cannot find a hung check; the timeout still can.
        recorded = identify(pgid).then((rec) => writeJsonAtomic(record, rec).catch(() => undefined));
      }
      const timer = setTimeout(() => {
        reason = `verify timed out after ${formatSeconds(timeoutMs)}`;
        if (pgid) killGroup(pgid);
      }, timeoutMs);
      const out = (b: Buffer) => {
        echo?.write(b);
        void log.write(b);
      };
      child.stdout.on('data', out);
      child.stderr.on('data', out);
      child.on('error', (e: NodeJS.ErrnoException) => {
        // /bin/sh missing, or the repo went away between the check and the spawn
        const why = repoGone(repo) ?? `/bin/sh could not start (${e.code ?? e.message})`;
        reason ??= `verify.sh could not run: ${why}`;
        settle(null);
      });
      // After a timeout, sh's exit is the end: a child that left the group may still hold the pipe.
      child.on('exit', (c) => {
        if (reason) settle(c);
      });
      child.on('close', (c) => settle(c));
    });
    return reason ? await because(reason) : { exitCode: code, tail: '' };
  } finally {
    await recorded;
    await fs.rm(record, { force: true });
    await log.close();
  }
}

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(3))}s`;

/** After the agent's exit: record the outcome, run verify, summarise git, write the handoff skeleton.
 * Called in the pane by finishMain (the normal path) and by `kill`. Idempotent: a second call after a
 * completed finish changes nothing. `pass`: the pass this finisher belongs to (the wrapper's); a late
 * finisher whose pass was resumed meanwhile writes nothing (null). */
export async function finalize(
  dir: ControlDir,
  store: RunStore,
  name: string,
  echo?: NodeJS.WritableStream,
  o: { verifyStopped?: string; pass?: number } = {},
): Promise<WorkcellStatus | null> {
  const runDir = dir.runDir(name);
  const transitions = new Transitions(store);
  const [exit, killed, before] = await Promise.all([
    store.readExit(name),
    store.readKilled(name),
    store.readStatus(name),
  ]);
  if (!before) return null;
  // The finisher of a pass the tmux server took down keeps running (it records how its pass ended),
  // and recovery may resume the workcell meanwhile: that pass's exit.json is then in history/ and
  // status.json is the next pass's. Read as ours, it derived "vanished" onto the new, running pass (CI:
  // modes.test k1). Every write below is for this pass only.
  const mine = o.pass ?? before.pass;
  if (before.pass !== mine) return null;
  const ours = (s: WorkcellStatus) => s.pass === mine;
  const d = deriveState(before, exit, killed, null, new Date());
  let status: WorkcellStatus = before;
  if (d.changed) {
    const t = await transitions.transition(name, {
      to: d.state,
      when: ours,
      evidence: d.evidence,
      patch: { exitCode: d.exitCode, signal: d.signal, endedAt: d.endedAt },
      event: { type: 'exited', exitCode: d.exitCode, signal: d.signal, pass: before.pass },
    });
    if (!t.status) return null;
    status = t.status;
  }
  if (status.state !== 'done' && status.state !== 'failed' && status.state !== 'killed') return status;
  await emptyEndedPassLogs(runDir);
  // Every pass is finished on its own (a resumed pass used to see pass 1's record and skip verify).
  if (status.endedAt && (await alreadyFinished(store, name, status.pass))) return status;

  // verifyAt "turn": the user wants verify.sh only at turn ends, not at the exit.
  const atExit = verifyAtOf(dir.settings) !== 'turn';
  const verifiedAtExit = status.verify.ran && status.verify.trigger === 'exit';
  if (status.state !== 'killed' && atExit && o.verifyStopped && !verifiedAtExit) {
    // kill or resume ended the finisher (and its verify.sh) before the check gave its answer.
    if (await exists(join(runDir, RUN_FILES.verify))) {
      const tail = (await readTail(join(runDir, RUN_FILES.verifyLog), VERIFY_TAIL_BYTES)).trimEnd();
      const reason = `verify.sh was stopped: ${o.verifyStopped}`;
      const at = new Date().toISOString();
      const t = await transitions.transition(name, {
        when: ours,
        patch: { verify: { ran: true, exitCode: null, at, outputTail: tail, trigger: 'exit', reason } },
        event: { type: 'verified', exitCode: null, ok: false, pass: status.pass, trigger: 'exit', reason },
      });
      status = t.status ?? status;
    }
  } else if (status.state !== 'killed' && atExit && (await exists(join(runDir, RUN_FILES.verify)))) {
    echo?.write(`\n[workcell] running verify.sh in ${status.repo}\n`);
    const v = await runVerify(runDir, status.repo, echo);
    const tail = (await readTail(join(runDir, RUN_FILES.verifyLog), VERIFY_TAIL_BYTES)).trimEnd();
    const at = new Date().toISOString();
    const t = await transitions.transition(name, {
      when: ours,
      patch: {
        verify: {
          ran: true,
          exitCode: v.exitCode,
          at,
          outputTail: tail,
          trigger: 'exit',
          ...(v.reason ? { reason: v.reason } : {}),
        },
      },
      event: {
        type: 'verified',
        exitCode: v.exitCode,
        ok: v.exitCode === 0,
        pass: status.pass,
        trigger: 'exit',
        ...(v.reason ? { reason: v.reason } : {}),
      },
    });
    status = t.status ?? status;
    echo?.write(
      `[workcell] verify ${v.exitCode === 0 ? 'passed' : `FAILED (${v.reason ?? `exit ${v.exitCode}`})`}\n`,
    );
  }

  if (status.state !== 'killed') status = await checkForbidden(runDir, transitions, name, status, echo);

  const git = await gitSummary(status.repo, status.git.headAtStart);
  const g = await transitions.transition(name, { when: ours, patch: { git } });
  // Resumed while verify.sh ran: the handoff, checkpoint and journal are the next pass's now.
  if (g.status && !ours(g.status)) return null;
  status = g.status ?? status;
  await writeCheckpoint(runDir, status, `ended ${status.state}`);
  await writeHandoff(dir, status);
  await appendJournal(dir, {
    kind: 'end',
    name,
    repo: status.repo,
    agent: status.agent,
    state: status.state,
    argv: status.argv,
    note: status.verify.ran ? `verify ${status.verify.exitCode === 0 ? 'passed' : 'FAILED'}` : 'not verified',
  });
  await store.appendEvent(name, { type: 'finished', state: status.state, pass: status.pass });
  return status;
}

async function alreadyFinished(store: RunStore, name: string, pass: number): Promise<boolean> {
  const events = await store.readEvents(name);
  // Records from before passes were written on events count as pass 1.
  return events.some((e) => e.type === 'finished' && (e.pass ?? 1) === pass);
}

/** A generated skeleton, unless the agent wrote its own handoff.md. */
async function writeHandoff(dir: ControlDir, s: WorkcellStatus): Promise<void> {
  const path = join(dir.runDir(s.name), RUN_FILES.handoff);
  if (await exists(path)) return;
  const brief = await fs.readFile(join(dir.runDir(s.name), RUN_FILES.brief), 'utf8').catch(() => '');
  const objective = /## Objective\n([\s\S]*?)\n## /.exec(brief)?.[1]?.trim() ?? '(see brief.md)';
  const gone = repoGone(s.repo);
  // No exit code and no reason (a record from before reasons): the repo may still say why.
  const noCode = gone ? `verify.sh could not run: ${gone}` : 'no exit code, see verify.log';
  const verify = !s.verify.ran
    ? 'no verify.sh (not verified)'
    : s.verify.exitCode === 0
      ? 'passed'
      : `FAILED (${s.verify.reason ?? (s.verify.exitCode === null ? noCode : `exit ${s.verify.exitCode}`)})${s.state === 'done' ? ': claimed done, not verified' : ''}`;
  const text = fillTemplate(await readTemplate(dir, 'handoff.md'), {
    name: s.name,
    objective,
    state: s.state,
    exit: s.signal ? `${s.signal} (code ${s.exitCode})` : String(s.exitCode),
    verify,
    commits: gone ?? (s.git.commits === null ? 'not a git repository' : String(s.git.commits)),
    diffStat: s.git.diffStat
      ? s.git.diffStat
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n')
      : '    (no changes)',
    runDir: dir.runDir(s.name),
    ...(await checkpointFields(dir.runDir(s.name))),
  });
  await writeTextAtomic(path, text);
}

/** SUPERVISOR.md's forbidden paths (as given at start, rules.json): a pass that touched one fails
 * verification, naming the files, whatever verify.sh said. */
async function checkForbidden(
  runDir: string,
  transitions: Transitions,
  name: string,
  status: WorkcellStatus,
  echo?: NodeJS.WritableStream,
): Promise<WorkcellStatus> {
  const rules = await readRulesSnapshot(runDir);
  if (!rules?.forbidden.length) return status;
  const touched = await forbiddenTouched(status.repo, status.git.headAtStart, rules.forbidden);
  if (!touched.length) return status;
  const shown =
    touched.slice(0, 20).join(', ') + (touched.length > 20 ? `, and ${touched.length - 20} more` : '');
  const reason = `touched forbidden paths (${RULES_FILE}): ${shown}`;
  const code = status.verify.exitCode && status.verify.exitCode !== 0 ? status.verify.exitCode : 1;
  const at = new Date().toISOString();
  echo?.write(`[workcell] verify FAILED: ${reason}\n`);
  const t = await transitions.transition(name, {
    when: (s) => s.pass === status.pass,
    patch: { verify: { ...status.verify, ran: true, exitCode: code, at, trigger: 'exit', reason } },
    event: {
      type: 'verified',
      exitCode: code,
      ok: false,
      pass: status.pass,
      trigger: 'exit',
      reason,
      forbidden: touched,
    },
  });
  return t.status ?? status;
}

/** The handoff's "what is left", "where it was" and "how to verify", filled from the checkpoint (the
 * agent's own next steps, files in progress, last commands) rather than left as a skeleton. */
async function checkpointFields(runDir: string): Promise<Record<string, string>> {
  const cp = await readCheckpoint(runDir);
  const verifyScript = await fs.readFile(join(runDir, RUN_FILES.verify), 'utf8').catch(() => null);
  const check = verifyScript
    ?.split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .join('; ');
  const list = (xs: readonly string[], none: string) =>
    xs.length ? xs.map((x) => `- ${x}`).join('\n') : none;
  return {
    left: list(cp?.nextSteps ?? [], '(The agent recorded no next steps. Read agent.log and the diff above.)'),
    checkpoint: cp
      ? [
          `- At ${cp.at} (${cp.why}), state ${cp.state}`,
          `- Files in progress: ${[...cp.files.status, ...cp.files.recent].slice(0, 20).join(', ') || '(none)'}`,
          `- Last commands: ${
            cp.lastCommands
              .map((c) => `\`${c.command}\``)
              .slice(-5)
              .join(', ') || '(none recorded)'
          }`,
          `- Processes: ${
            cp.processes
              .map((p) => p.cmd)
              .slice(0, 5)
              .join(' | ') || '(none)'
          }`,
        ].join('\n')
      : '(no checkpoint was written)',
    howToVerify: check
      ? `    ${runDir}/verify.sh    # runs: ${check.slice(0, 200)}`
      : '    (no verify.sh: check the objective by hand)',
  };
}
