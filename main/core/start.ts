import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { AGENTS, validateName, type AgentName, type WorkcellStatus } from '../common/workcell.js';
import { secretEnvNames } from './agentEnv.js';
import { ADAPTERS, taskPrompt } from './agents/adapters.js';
import { prepareHooks } from './agents/hooks.js';
import { mintedRecord, newSessionId } from './agents/sessionIds.js';
import { AGENT_STATE_FILE } from './continuity/checkpoint.js';
import { appendJournal } from './continuity/journal.js';
import { addMember, validateSessionName } from './continuity/namedSessions.js';
import { loadRules, rulesForBrief, saveRulesSnapshot, RULES_FILE } from './continuity/repoRules.js';
import { runSetup, setupLogName } from './continuity/setupCommands.js';
import { gitHead } from './git.js';
import { writeJsonAtomic } from './fsutil.js';
import { RECOVERY_FILE, type RecoveryPolicy } from './recovery/record.js';
import { ensureHome, fillTemplate, FINISH_JS, readTemplate } from './home.js';
import { RUN_FILES, type ControlDir } from './paths.js';
import { recordProcess } from './processes.js';
import { err, ok, type Result } from './result.js';
import type { RunStore } from './runStore.js';
import { Transitions } from './transition.js';
import { agentLogPipe, escapeTmuxArg, type Tmux } from './tmux.js';
import { which } from './which.js';

export interface StartOptions {
  name: string;
  repo: string;
  agent: AgentName | string;
  objective?: string;
  briefFile?: string;
  verify?: string;
  verifyFile?: string;
  /** For vendor agents: extra flags passed through. For `command`: the program and its args. */
  args: string[];
  /** Install vendor hooks (Claude --settings, Codex notify, Gemini settings). Default true. */
  hooks?: boolean;
  /** Vendor agents run in their non-interactive mode (`claude -p`, `codex exec`, ...) and exit when done. */
  headless?: boolean;
  /** A named multi-agent session this workcell joins (sessions/NAME.json). */
  session?: string;
  /** The recovery policy (`--recover`), on disk before the agent starts: a daemon's first look at a
   * run that ends at once must already see it. */
  recoverPolicy?: RecoveryPolicy;
  /** The clock seam (journal day, timestamps). */
  now?: () => Date;
}

// Initial window size for a session no client has seen yet. Agents' TUIs are cramped at tmux's 80x24;
// a user who attaches resizes it to their terminal anyway.
const INITIAL_SIZE = { cols: 160, rows: 48 } as const;

/** The brief's instruction to keep the agent's own state file (the checkpoint reads it). */
export const STATE_FILE_INSTRUCTION = (path: string): string => `## Your state file
After each discrete step, update ${path} (JSON): {"task": "what you are doing now", "filesInProgress": ["..."], "nextSteps": ["..."]}. The next pass starts from it if this one is interrupted.
`;

/** ONE tmux invocation: the session, remain-on-exit and the log pipe are in place before the
 * agent's first byte is read, so neither early output nor a fast exit is lost (DESIGN.md §4). The
 * agent runs under the static wrapper that records its exit from inside tmux. The pane's pid comes
 * back from tmux and is recorded at once (proc.json) so the agent can be found again if the pane,
 * its session or the tmux server goes away while it runs. */
export async function launchInTmux(
  dir: ControlDir,
  tmux: Tmux,
  name: string,
  repo: string,
  argv: string[],
  env: Record<string, string>,
  pass: number,
): Promise<Result<string>> {
  const runDir = dir.runDir(name);
  // Our own values only (paths under the control dir): each becomes one `-e VAR=value` argument.
  // WORKCELL_HIDE_ENV: the secret names the wrapper drops in the pane (agentEnv.ts). WORKCELL_PASS:
  // the pass this pane runs, for its finisher (finish.ts finalize).
  const hide = { WORKCELL_HIDE_ENV: secretEnvNames(dir).join(' '), WORKCELL_PASS: String(pass) };
  const envArgs = Object.entries({ ...env, ...hide }).flatMap(([k, v]) => ['-e', escapeTmuxArg(`${k}=${v}`)]);
  const wrapper = [
    '/bin/sh',
    join(dir.bin, 'wrap.sh'),
    runDir,
    repo,
    process.execPath,
    FINISH_JS,
    '--',
    ...argv,
  ];
  const target = `=${name}:`;
  const r = await tmux.run([
    ...['new-session', '-d', '-P', '-F', '#{pane_pid}', '-s', name],
    ...['-x', String(INITIAL_SIZE.cols), '-y', String(INITIAL_SIZE.rows)],
    ...envArgs,
    '--',
    ...wrapper.map(escapeTmuxArg),
    ';',
    ...['set-option', '-p', '-t', target, 'remain-on-exit', 'on'],
    ';',
    // A lone `attach -r` client is NOT ignored for sizing (tmux ignores ignore-size clients only while
    // another client is attached; measured on 3.3a): a peek from a small terminal would shrink the
    // agent's window for good. Manual size per window (the global option segfaults 3.3a) keeps it;
    // `workcell attach` (writable) switches to `latest` while the user is attached.
    ...['set-option', '-w', '-t', target, 'window-size', 'manual'],
    ';',
    ...['pipe-pane', '-o', '-t', target, agentLogPipe(runDir)],
  ]);
  if (!r.ok) return r;
  const pid = Number(r.value.trim().split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) await recordProcess(runDir, pid);
  return r;
}

/** The first field holding a NUL byte, by its name only (never its text, which is the user's). A NUL
 * cannot pass through argv: Node throws with the whole argument (the brief) in the message. */
function nulField(fields: [string, string | undefined][]): string | null {
  return fields.find(([, v]) => v?.includes('\0'))?.[0] ?? null;
}

const nulError = (field: string) =>
  err('BAD_ARGS', `${field} holds a NUL byte (\\0): remove it; no program's arguments can carry one`);

async function readInput(path: string, what: string): Promise<Result<string>> {
  try {
    return ok(await fs.readFile(path, 'utf8'));
  } catch (e) {
    return err(
      'BAD_ARGS',
      `cannot read the ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}

/** Everything that can be refused is checked before anything is created: nothing is left half-made. */
export async function startWorkcell(
  dir: ControlDir,
  tmux: Tmux,
  store: RunStore,
  o: StartOptions,
): Promise<Result<WorkcellStatus>> {
  const bad = validateName(o.name);
  if (bad) return { ok: false, error: bad };
  if (!(AGENTS as readonly string[]).includes(o.agent)) {
    return err('BAD_AGENT', `unknown agent ${JSON.stringify(o.agent)}: use one of ${AGENTS.join(', ')}`);
  }
  const agent = o.agent as AgentName;
  const adapter = ADAPTERS[agent];
  const version = await tmux.checkVersion();
  if (!version.ok) return version;

  const nul = nulField([
    ['the objective', o.objective],
    ['the verify command', o.verify],
    ['the repository path', o.repo],
    ['the brief file name', o.briefFile],
    ['the verify file name', o.verifyFile],
    ['an agent argument', o.args.join(' ')],
  ]);
  if (nul) return nulError(nul);
  const repo = resolve(o.repo);
  try {
    const st = await fs.stat(repo);
    if (!st.isDirectory())
      return err('BAD_REPO', `--repo ${repo} is not a directory: give the repository folder`);
  } catch {
    return err('BAD_REPO', `--repo ${repo} does not exist: create it or give an existing repository folder`);
  }
  // The head at start, asked now so its git process runs beside the checks below instead of after
  // them (it never rejects: not a repository is null). Taken before the agent exists, as before.
  const headAtStart = gitHead(repo);
  if (o.session !== undefined) {
    const v = validateSessionName(o.session);
    if (!v.ok) return v;
  }
  // SUPERVISOR.md: a bad one is an error naming its line, before anything is created.
  const rules = await loadRules(repo);
  if (!rules.ok) return rules;
  const repoRules = rules.value;
  if (o.objective !== undefined && o.briefFile !== undefined)
    return err('BAD_ARGS', 'give --objective or --brief, not both');
  if (o.verify !== undefined && o.verifyFile !== undefined)
    return err('BAD_ARGS', 'give --verify or --verify-file, not both');

  let objective = o.objective ?? '';
  if (o.briefFile !== undefined) {
    const r = await readInput(o.briefFile, 'brief');
    if (!r.ok) return r;
    objective = r.value;
  }
  const nulBrief = nulField([[`the brief file ${o.briefFile}`, o.briefFile && objective]]);
  if (nulBrief) return nulError(nulBrief);
  let verifyScript: string | null = null;
  if (o.verify !== undefined) {
    // verify.sh is a shell script by design: the user's check command is its body, run with sh in the repo.
    verifyScript = `#!/bin/sh\n# The check that decides "done": exit 0 = verified. Runs in the repository.\n${o.verify}\n`;
  } else if (o.verifyFile !== undefined) {
    const r = await readInput(o.verifyFile, 'verify');
    if (!r.ok) return r;
    verifyScript = r.value;
  } else if (repoRules?.test) {
    // The repo's own test command is the default check (SUPERVISOR.md "Test").
    verifyScript = `#!/bin/sh\n# The check that decides "done": exit 0 = verified. From ${RULES_FILE} (Test).\n${repoRules.test}\n`;
  }

  if (agent === 'command' && o.args.length === 0) {
    return err(
      'BAD_ARGS',
      'the command agent needs a program: workcell start NAME --repo DIR --agent command -- PROG ARGS...',
    );
  }
  const bin = agent === 'command' ? o.args[0]! : adapter.bin!;
  if (!(await which(bin, repo))) {
    const hint = agent === 'command' ? 'check the program name and PATH' : adapter.install;
    return err(
      'AGENT_MISSING',
      `agent ${agent}: executable ${JSON.stringify(bin)} not found on PATH: ${hint}`,
    );
  }

  // One tmux process and the home's mkdirs side by side (an absent server is simply no session).
  const [home, inUse] = await Promise.all([ensureHome(dir), tmux.hasSession(o.name)]);
  if (!home.ok) return home;
  if (inUse) {
    return err(
      'NAME_IN_USE',
      `a tmux session named ${o.name} already exists on the supervisor's server: pick another name`,
    );
  }
  const runDir = dir.runDir(o.name);
  try {
    // mkdir without recursive is the atomic claim: two starts of one name cannot both win.
    await fs.mkdir(runDir, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const prev = await store.readStatus(o.name);
      return err(
        'NAME_IN_USE',
        `workcell ${o.name} already exists${prev ? ` (${prev.state}, started ${prev.startedAt})` : ''}: pick another name, or remove it with \`workcell gc --remove --older-than 0s\` once it has ended`,
      );
    }
    return err(
      'NOT_WRITABLE',
      `cannot create ${runDir} (${code ?? String(e)}): make ${dir.runs} writable or free some disk space`,
    );
  }

  const cleanup = async () => {
    await tmux.killSession(o.name); // a half-created session, if any; its absence is fine
    await fs.rm(runDir, { recursive: true, force: true });
  };
  try {
    return await launch();
  } catch (e) {
    await cleanup();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS' || code === 'EDQUOT') {
      return err(
        'NOT_WRITABLE',
        `cannot write the run directory ${runDir} (${code}): free some disk space or fix its permissions; nothing was started`,
      );
    }
    throw e;
  }

  async function launch(): Promise<Result<WorkcellStatus>> {
    await fs.mkdir(join(runDir, RUN_FILES.tmp), { mode: 0o700 });
    // SUPERVISOR.md setup (`npm ci` in a fresh worktree) runs before the agent exists, as before every
    // resumed pass: the agent starts into a prepared checkout, and a failure starts nothing. Nothing to
    // do (and no cost) without setup commands.
    let setupLog: string | null = null;
    if (repoRules?.setup.length) {
      // Written outside the run dir first: a failed start removes that, and the user needs the output.
      const pending = join(dir.state, `setup-${o.name}.log`);
      const setup = await runSetup(runDir, repo, repoRules.setup, 1, { log: pending, retry: 'start again' });
      if (!setup.ok) {
        await cleanup();
        return err(setup.error.code, `${o.name}: ${setup.error.message}`);
      }
      setupLog = join(runDir, setupLogName(1));
      await fs.rename(pending, setupLog);
    }
    const clock = o.now ?? (() => new Date());
    const now = clock().toISOString();
    const template = await readTemplate(dir, 'brief.md');
    const rulesText = rulesForBrief(repoRules);
    const stateText = STATE_FILE_INSTRUCTION(join(repo, AGENT_STATE_FILE));
    const filled = fillTemplate(template, {
      name: o.name,
      repo,
      objective: objective || '(no objective given)',
      doneWhen: o.verify
        ? `The check \`${RUN_FILES.verify}\` exits 0 (it runs: ${o.verify.trim().split('\n')[0]}).`
        : verifyScript
          ? `The check \`${RUN_FILES.verify}\` exits 0.`
          : 'The objective is met, the work is committed, and the handoff note is written.',
      handoffPath: join(runDir, RUN_FILES.handoff),
      rules: rulesText,
      stateFile: stateText,
    });
    // A template the user edited before these placeholders existed still gets both parts.
    const brief =
      filled +
      (template.includes('{{rules}}') || !rulesText ? '' : `\n${rulesText}`) +
      (template.includes('{{stateFile}}') ? '' : `\n${stateText}`);
    if (repoRules) await saveRulesSnapshot(runDir, repoRules);
    if (o.recoverPolicy)
      await writeJsonAtomic(join(runDir, RECOVERY_FILE), { v: 1, policy: o.recoverPolicy });
    await fs.writeFile(join(runDir, RUN_FILES.brief), brief, { mode: 0o600 });
    if (verifyScript !== null)
      await fs.writeFile(join(runDir, RUN_FILES.verify), verifyScript, { mode: 0o700 });
    await fs.writeFile(join(runDir, RUN_FILES.log), '', { mode: 0o600 });

    const sessionId = newSessionId(agent);
    const hooks = o.hooks === false ? { args: [], env: {} } : await prepareHooks(agent, runDir);
    const argv = adapter.launch(taskPrompt(brief, join(runDir, RUN_FILES.brief)), o.args, {
      runDir,
      sessionId,
      settingsFile: hooks.settingsFile,
      hookArgs: hooks.args,
      headless: o.headless === true,
    });
    const status: WorkcellStatus = {
      name: o.name,
      repo,
      agent,
      argv,
      state: 'starting',
      pass: 1,
      startedAt: now,
      endedAt: null,
      exitCode: null,
      signal: null,
      verify: { ran: false, exitCode: null, at: null },
      vendorSessionId: sessionId ?? null,
      vendorSession: mintedRecord(sessionId, now),
      ...(o.session ? { session: o.session } : {}),
      git: { headAtStart: await headAtStart, headAtEnd: null, commits: null, dirty: null, diffStat: null },
      reason: null,
      resetAt: null,
      evidence: { source: 'engine', detail: 'created', at: now },
      ...(o.headless ? { headless: true } : {}),
    };
    const transitions = new Transitions(store);
    await transitions.create(status, { type: 'created', state: 'starting', agent, repo });
    if (setupLog)
      await store.appendEvent(o.name, {
        type: 'setup-ran',
        pass: 1,
        detail: `${repoRules!.setup.length} command(s), output in ${setupLog}`,
      });

    const r = await launchInTmux(dir, tmux, o.name, repo, argv, hooks.env, 1);
    if (!r.ok) {
      await cleanup();
      return err(
        'TMUX_FAILED',
        `could not start the tmux session for ${o.name}: ${r.error.message}; nothing was kept`,
      );
    }
    const started = await transitions.transition(o.name, {
      to: 'running',
      when: (s) => s.state === 'starting',
      evidence: { source: 'engine', detail: 'launched in tmux', at: new Date().toISOString() },
      event: { type: 'started', argv0: argv[0] },
    });
    const st = started.status ?? status;
    if (o.session)
      await addMember(dir, o.session, {
        workcell: o.name,
        agent,
        vendorSessionId: sessionId ?? null,
        spawnedAt: now,
        argv,
      });
    await appendJournal(
      dir,
      { kind: 'start', name: o.name, repo, agent, state: st.state, argv },
      { now: clock() },
    );
    // No checkpoint here: building one costs three git processes and /proc reads, all on the caller's
    // path. The daemon's keeper writes the first one ("started") at its first look at this pass
    // (continuity/keeper.ts); status.json, written above, is all a crash right now needs.
    return ok(st);
  }
}
