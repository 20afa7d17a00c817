import type { Command } from 'commander';
import { PipelineFiles, type PipelineState } from '../../core/pipeline/pipelineState.js';
import { describeOwner, ownerAlive, readOwner } from '../../core/loop/ownerLock.js';
import { ensureSupervised, fail, printJson, type CommandModule } from '../context.js';

interface RunOpts {
  name?: string;
  repo?: string;
  resume?: boolean;
  force?: boolean;
  json?: boolean;
}

export const command: CommandModule = {
  register(program: Command, ctx) {
    const p = program
      .command('pipeline')
      .description(
        'run a YAML file of stages (plan, implement, review, ...), each stage a loop closed on evidence',
      );
    p.command('run')
      .description(
        'start a pipeline (the definition is frozen in its run dir), or continue one with --resume',
      )
      .argument('[file]', 'the pipeline definition (YAML); optional with --resume --name')
      .option('--name <name>', 'the run name (default: the file name)')
      .option(
        '--repo <dir>',
        "the repo the stages work in (default: the definition's repo, else its directory)",
      )
      .option(
        '--resume',
        'continue at the first stage not succeeded; a succeeded stage reruns only if its inputs changed',
      )
      .option('--force', 'take the pipeline over from a live runner')
      .option('--json', 'print JSON')
      .addHelpText(
        'after',
        '\nExamples:\n  workcell pipeline run feature.yaml\n  workcell pipeline status feature\n  workcell pipeline run --resume --name feature',
      )
      .action(async (file: string | undefined, o: RunOpts) => {
        const { dir } = ctx();
        if (!file && !o.name)
          return fail(
            { code: 'BAD_ARGS', message: 'give the definition file, or --name with --resume' },
            o.json,
          );
        // Loaded on use: the definition parser pulls in the YAML library, which every other command
        // (`ls` first) paid for at start-up (~10% of its CPU).
        const { pipelineName, runPipeline } = await import('../../core/pipeline/pipelineClient.js');
        const r = await runPipeline(dir, {
          file,
          name: o.name,
          repo: o.repo,
          resume: o.resume,
          force: o.force,
        });
        if (!r.ok) return fail(r.error, o.json);
        await ensureSupervised(dir);
        if (o.json) return printJson(r.value);
        const name = pipelineName({ file, name: o.name });
        process.stdout.write(
          `pipeline ${name} ${o.resume ? 'resumed' : 'started'} (${r.value.stages.length} stage(s))\n  watch: workcell pipeline status ${name}\n`,
        );
      });
    p.command('stop')
      .description(
        'stop a pipeline: the running stage is killed and recorded as stopped, no later stage starts (--resume continues it)',
      )
      .argument('<name>')
      .option('--json', 'print JSON')
      .action(async (name: string, o: { json?: boolean }) => {
        const { dir } = ctx();
        const { stopPipeline } = await import('../../core/pipeline/pipelineClient.js');
        const r = await stopPipeline(dir, name);
        if (!r.ok) return fail(r.error, o.json);
        if (o.json) return printJson(r.value);
        process.stdout.write(
          r.value.running
            ? `asked pipeline ${name} to stop${r.value.stage ? ` (stage ${r.value.stage} is killed)` : ''}\n`
            : `pipeline ${name} is not running (${r.value.status})\n`,
        );
      });
    p.command('status')
      .description("a pipeline's stages: outcome, iterations and time")
      .argument('<name>')
      .option('--json', 'print JSON')
      .action(async (name: string, o: { json?: boolean }) => {
        const { dir } = ctx();
        const files = new PipelineFiles(dir, name);
        const s = await files.readState();
        if (!s) return fail({ code: 'NOT_FOUND', message: `no pipeline named ${name}` }, o.json);
        const owner = readOwner(dir, 'pipeline', name);
        const live = owner && ownerAlive(owner) ? owner : null;
        if (o.json) return printJson({ ...s, runner: live });
        process.stdout.write(renderStatus(s, live ? describeOwner(live) : null, Date.now()));
      });
  },
};

export function renderStatus(s: PipelineState, runner: string | null, now: number): string {
  const lines = [
    `pipeline ${s.name}: ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`,
    `  runner: ${runner ?? 'none running'}   repo: ${s.repo}`,
  ];
  for (const st of s.stages) {
    const end = st.endedAt ? Date.parse(st.endedAt) : st.status === 'running' ? now : null;
    const secs =
      st.startedAt && end !== null ? `${Math.round((end - Date.parse(st.startedAt)) / 1000)} s` : '-';
    lines.push(
      `  ${st.name.padEnd(16)} ${st.status.padEnd(9)} iterations ${String(st.iterations).padStart(2)}  ${secs.padStart(7)}  runs ${st.runs}${st.loop ? `  loop ${st.loop}` : ''}${st.reason && st.status !== 'succeeded' ? `  (${st.reason})` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
