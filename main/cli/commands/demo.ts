import type { Command } from 'commander';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../core/engine.js';
import { SCENARIOS, type Scenario } from '../../core/bridge/demoScenarios.js';
import { ensureSupervised, fail, printJson, type CommandModule } from '../context.js';

/** dist/main/cli/commands/demo.js -> dist/main/core/bridge/demoAgent.js */
const DEMO_AGENT = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'core',
  'bridge',
  'demoAgent.js',
);

const OBJECTIVE: Record<Scenario, string> = {
  working: 'Refactor the parser module (a simulated agent that keeps working).',
  waiting: 'Add a dev dependency (a simulated agent that stops to ask a question).',
  done: 'Fix the failing parser tests (a simulated agent that finishes).',
  failed: 'Fix the parser (a simulated agent that fails).',
  rate_limited: 'Write the docs (a simulated agent that hits a usage limit).',
};

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('demo')
      .description('start a handful of demo-* workcells with a simulated agent, to see the dashboard alive')
      .option('--json', 'print what was started as JSON')
      .action(async (o: { json?: boolean }) => {
        const { dir, tmux } = ctx();
        const v = await tmux.checkVersion();
        if (!v.ok) return fail(v.error, o.json);
        const engine = new Engine(dir, tmux);
        const repo = mkdtempSync(join(tmpdir(), 'workcell-demo-'));
        writeFileSync(
          join(repo, 'README.md'),
          '# demo repository\n\nCreated by `workcell demo`; safe to delete.\n',
        );
        const started: { name: string; scenario: Scenario }[] = [];
        const failed: { name: string; message: string }[] = [];
        for (const scenario of SCENARIOS) {
          const name = `demo-${scenario.replace('_', '-')}`;
          const r = await engine.start({
            name,
            repo,
            agent: 'command',
            objective: OBJECTIVE[scenario],
            // The done demo passes its verify; the others have none.
            ...(scenario === 'done' ? { verify: 'test -f README.md' } : {}),
            args: [process.execPath, DEMO_AGENT, '--scenario', scenario],
          });
          if (r.ok) started.push({ name, scenario });
          else failed.push({ name, message: r.error.message });
        }
        if (started.length) await ensureSupervised(dir);
        if (o.json) printJson({ repo, started, failed });
        else {
          for (const s of started)
            process.stdout.write(`started ${s.name.padEnd(18)} (${s.scenario.replace('_', '-')})\n`);
          for (const f of failed) process.stderr.write(`workcell: ${f.name}: ${f.message}\n`);
          process.stdout.write(
            `\nIn ${repo}. Watch them:\n  workcell ui          the dashboard in your browser\n  workcell ls          the list here\n` +
              `  workcell peek demo-waiting\nClean up: workcell kill demo-working (and the others), workcell gc\n`,
          );
        }
        if (started.length === 0) process.exitCode = 1;
      });
  },
};
