// SUPERVISOR.md "Setup" commands, run by the supervisor in the repo before a pass starts (the first
// start, and a resume by hand or by recovery), so the agent starts into a prepared checkout (dependencies installed,
// services generated) instead of being told to do it. Each command's output goes to
// setup-<pass>.log in the run dir; the first one that fails stops the pass from starting, and the
// error names the command, its exit and the log. Commands are shell by design (like verify.sh): each
// is written to a script file in the run dir and run with sh, so it is never in any argv.
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FILES } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { RULES_FILE } from './repoRules.js';

export const setupLogName = (pass: number): string => `setup-${pass}.log`;

/** A setup command that runs longer is stopped (with its process group) and counts as failed. */
export const SETUP_TIMEOUT_MS = 10 * 60_000;

export interface SetupRun {
  /** Commands that ran (all of them when ok). */
  ran: number;
  log: string;
}

/** Runs `commands` in order in `repo`; stops at the first failure. */
export async function runSetup(
  runDir: string,
  repo: string,
  commands: readonly string[],
  pass: number,
  o: {
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
    /** Where the output goes (default setup-<pass>.log in the run dir). A first start that fails
     * removes its run dir, so its log is kept elsewhere. */
    log?: string;
    /** What the user does once it is fixed (default: resume again). */
    retry?: string;
  } = {},
): Promise<Result<SetupRun>> {
  const log = o.log ?? join(runDir, setupLogName(pass));
  const fd = openSync(log, 'w', 0o600);
  try {
    for (let i = 0; i < commands.length; i++) {
      const cmd = commands[i]!;
      writeSync(fd, `$ ${cmd}\n`);
      const script = join(runDir, RUN_FILES.tmp, `setup-${pass}-${i + 1}.sh`);
      await writeFile(script, `${cmd}\n`, { mode: 0o700 });
      await chmod(script, 0o700);
      const r = await runOne(script, repo, fd, o.timeoutMs ?? SETUP_TIMEOUT_MS, o.env ?? process.env);
      writeSync(fd, `# exit ${r}\n`);
      if (r !== 0)
        return err(
          'BAD_REPO', // the repo's own setup failed: the user fixes the repo or its SUPERVISOR.md
          `${RULES_FILE} setup command ${i + 1} of ${commands.length} (\`${cmd.slice(0, 80)}\`) ${r === 'timeout' ? `ran over ${Math.round((o.timeoutMs ?? SETUP_TIMEOUT_MS) / 1000)} s and was stopped` : `exited ${r}`}: its output is in ${log}; fix the command or the repo, then ${o.retry ?? 'resume again'} (nothing was started)`,
        );
    }
    return ok({ ran: commands.length, log });
  } finally {
    closeSync(fd);
  }
}

function runOne(
  script: string,
  cwd: string,
  fd: number,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<number | 'timeout'> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout also ends what the command started.
    const p = spawn('/bin/sh', [script], { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        // it ended just now
      }
    }, timeoutMs);
    p.on('error', () => {
      clearTimeout(timer);
      resolve(127);
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(timedOut ? 'timeout' : (code ?? (signal ? 128 : 1)));
    });
  });
}
