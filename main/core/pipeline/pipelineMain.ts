// The pipeline runner's entry: started detached by `workcell pipeline run`, like the loop runner
// (loopMain.ts says why not the daemon). It holds locks/pipeline.NAME.json for the whole run, and
// each stage's loop lock while that stage runs; it reads the frozen definition in the run dir.
import { appendFileSync, readFileSync } from 'node:fs';
import { Engine } from '../engine.js';
import { ControlDir } from '../paths.js';
import { Tmux } from '../tmux.js';
import { acquireOwner, describeOwner, releaseOwner } from '../loop/ownerLock.js';
import { parsePipeline } from './definition.js';
import { PipelineFiles } from './pipelineState.js';
import { PipelineRunner } from './pipelineRunner.js';
import { userNotifier } from '../loop/notifyUser.js';

const name = process.argv[2] ?? '';
const dir = ControlDir.fromEnv();
const files = new PipelineFiles(dir, name);
const log = (line: string) => {
  try {
    appendFileSync(files.log, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
  } catch {
    // the run dir is gone (removed under us): nowhere left to say it
  }
};

const handover = Number(process.env.WORKCELL_LOOP_HANDOVER);
const state = await files.readState();
const def = state ? parsePipeline(readFileSync(files.definition, 'utf8')) : null;
const lock =
  state && def?.ok
    ? await acquireOwner(dir, 'pipeline', name, {
        handoverFrom: Number.isFinite(handover) ? handover : undefined,
        worktree: state.repo,
      })
    : null;
if (!state || !def?.ok || !lock || !lock.ok) {
  const message = !state
    ? `no pipeline named ${name}`
    : !def?.ok
      ? `the frozen definition ${files.definition} does not parse`
      : `pipeline ${name} is already running (${describeOwner((lock as { holder: Parameters<typeof describeOwner>[0] }).holder)})`;
  process.stdout.write(`${JSON.stringify({ ok: false, message })}\n`);
  process.exitCode = 5;
} else {
  process.stdout.write(`${JSON.stringify({ ok: true, pid: process.pid })}\n`);
  log(`runner ${process.pid} holds pipeline ${name}`);
  const engine = new Engine(dir, new Tmux(dir.socket, dir.tmuxConf));
  const notice = userNotifier(dir, log);
  const runner = new PipelineRunner(engine, files, def.value.stages, { notice, pollMs: 100 });
  process.on('SIGTERM', () => {
    releaseOwner(dir, 'pipeline', name);
    process.exit(143);
  });
  process.on('SIGHUP', () => undefined);
  try {
    const end = await runner.run();
    log(`pipeline ${name} ${end.status}${end.statusReason ? `: ${end.statusReason}` : ''}`);
  } catch (e) {
    log(`runner failed (a bug, please report it): ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    releaseOwner(dir, 'pipeline', name);
  }
}
