import { spawn } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkcellStatus } from '../common/workcell.js';
import { exists, readTail, writeTextAtomic } from './fsutil.js';
import { gitSummary } from './git.js';
import { fillTemplate, readTemplate } from './home.js';
import { RUN_FILES, type ControlDir } from './paths.js';
import { deriveState } from './reconcile.js';
import type { RunStore } from './runStore.js';
import { Transitions } from './transition.js';
import { verifyAtOf } from './settingsJson.js';

// verify.sh decides "done"; a check that hangs must not hold the pane forever.
const VERIFY_TIMEOUT_MS = 10 * 60_000;
const VERIFY_TAIL_BYTES = 4_000;

export interface VerifyOutcome {
  exitCode: number | null;
  tail: string;
  /** Why verify.sh has no exit code (it could not start, or was killed), also written to verify.log. */
  why?: string;
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

/** Runs verify.sh with sh in the repo, streaming its output to `echo` (the pane) and verify.log. */
export async function runVerify(
  runDir: string,
  repo: string,
  echo?: NodeJS.WritableStream,
): Promise<VerifyOutcome> {
  const script = join(runDir, RUN_FILES.verify);
  const log = await fs.open(join(runDir, RUN_FILES.verifyLog), 'w', 0o600);
  const because = async (why: string): Promise<VerifyOutcome> => {
    const line = `[workcell] verify.sh could not run: ${why}\n`;
    echo?.write(line);
    await log.write(line);
    return { exitCode: null, tail: '', why };
  };
  try {
    const gone = repoGone(repo);
    if (gone) return await because(gone);
    let startError: string | null = null;
    let timedOut = false;
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('/bin/sh', [script], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env },
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, VERIFY_TIMEOUT_MS);
      const out = (b: Buffer) => {
        echo?.write(b);
        void log.write(b);
      };
      child.stdout.on('data', out);
      child.stderr.on('data', out);
      child.on('error', (e: NodeJS.ErrnoException) => {
        // /bin/sh missing, or the repo went away between the check and the spawn
        clearTimeout(timer);
        startError = repoGone(repo) ?? `/bin/sh could not start (${e.code ?? e.message})`;
        resolve(null);
      });
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (startError) return await because(startError);
    if (code === null && timedOut)
      return await because(`it ran longer than ${VERIFY_TIMEOUT_MS / 60_000} minutes and was killed`);
    return { exitCode: code, tail: '' };
  } finally {
    await log.close();
  }
}

/** After the agent's exit: record the outcome, run verify, summarise git, write the handoff skeleton.
 * Called in the pane by finishMain (the normal path) and by `kill`. Idempotent: a second call after a
 * completed finish changes nothing. */
export async function finalize(
  dir: ControlDir,
  store: RunStore,
  name: string,
  echo?: NodeJS.WritableStream,
): Promise<WorkcellStatus | null> {
  const runDir = dir.runDir(name);
  const transitions = new Transitions(store);
  const [exit, killed, before] = await Promise.all([
    store.readExit(name),
    store.readKilled(name),
    store.readStatus(name),
  ]);
  if (!before) return null;
  const d = deriveState(before, exit, killed, null, new Date());
  let status: WorkcellStatus = before;
  if (d.changed) {
    const t = await transitions.transition(name, {
      to: d.state,
      when: (s) => s.pass === before.pass,
      evidence: d.evidence,
      patch: { exitCode: d.exitCode, signal: d.signal, endedAt: d.endedAt },
      event: { type: 'exited', exitCode: d.exitCode, signal: d.signal, pass: before.pass },
    });
    if (!t.status) return null;
    status = t.status;
  }
  if (status.state !== 'done' && status.state !== 'failed' && status.state !== 'killed') return status;
  // Every pass is finished on its own (a resumed pass used to see pass 1's record and skip verify).
  if (status.endedAt && (await alreadyFinished(store, name, status.pass))) return status;

  // verifyAt "turn": the user wants verify.sh only at turn ends, not at the exit.
  const atExit = verifyAtOf(dir.settings) !== 'turn';
  if (status.state !== 'killed' && atExit && (await exists(join(runDir, RUN_FILES.verify)))) {
    echo?.write(`\n[workcell] running verify.sh in ${status.repo}\n`);
    const v = await runVerify(runDir, status.repo, echo);
    const tail = (await readTail(join(runDir, RUN_FILES.verifyLog), VERIFY_TAIL_BYTES)).trimEnd();
    const at = new Date().toISOString();
    const t = await transitions.transition(name, {
      patch: {
        verify: {
          ran: true,
          exitCode: v.exitCode,
          at,
          outputTail: tail,
          trigger: 'exit',
          ...(v.why ? { why: v.why } : {}),
        },
      },
      event: {
        type: 'verified',
        exitCode: v.exitCode,
        ok: v.exitCode === 0,
        ...(v.why ? { why: v.why } : {}),
        pass: status.pass,
        trigger: 'exit',
      },
    });
    status = t.status ?? status;
    echo?.write(
      `[workcell] verify ${v.exitCode === 0 ? 'passed' : v.why ? `could not run: ${v.why}` : `FAILED (exit ${v.exitCode})`}\n`,
    );
  }

  const git = await gitSummary(status.repo, status.git.headAtStart);
  const g = await transitions.transition(name, { patch: { git } });
  status = g.status ?? status;
  await writeHandoff(dir, status);
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
  const verify = !s.verify.ran
    ? 'no verify.sh (not verified)'
    : s.verify.exitCode === 0
      ? 'passed'
      : s.verify.exitCode === null
        ? `could not run: ${s.verify.why ?? gone ?? 'no exit code (see verify.log)'}`
        : `FAILED (exit ${s.verify.exitCode})${s.state === 'done' ? ': claimed done, not verified' : ''}`;
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
  });
  await writeTextAtomic(path, text);
}
