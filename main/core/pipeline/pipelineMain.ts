// The pipeline runner's entry: started detached by `workcell pipeline run`, like the loop runner
// (loopMain.ts says why not the daemon; runnerMain.ts does the lock hand-over and runner.log). It holds
// locks/pipeline.NAME.json for the whole run, and each stage's loop lock while that stage runs; it
// reads the frozen definition in the run dir.
import { readFileSync } from 'node:fs';
import { runDetached } from '../loop/runnerMain.js';
import { parsePipeline } from './definition.js';
import { PipelineFiles } from './pipelineState.js';
import { PipelineRunner } from './pipelineRunner.js';

const name = process.argv[2] ?? '';

await runDetached({
  kind: 'pipeline',
  logFile: (dir) => new PipelineFiles(dir, name).log,
  load: async (dir) => {
    const files = new PipelineFiles(dir, name);
    const state = await files.readState();
    if (!state) return { ok: false, message: `no pipeline named ${name}` };
    const def = parsePipeline(readFileSync(files.definition, 'utf8'));
    if (!def.ok) return { ok: false, message: `the frozen definition ${files.definition} does not parse` };
    return { ok: true, value: def.value.stages, repo: state.repo };
  },
  run: (stages, { dir, engine, notice }) =>
    new PipelineRunner(engine, new PipelineFiles(dir, name), stages, { notice, pollMs: 100 }).run(),
});
