import type { Command } from 'commander';
import { AGENTS, validateName } from '../../common/workcell.js';
import { Engine } from '../../core/engine.js';
import { liveWorkcellsOn, makeWorktree } from '../../core/loop/worktree.js';
import { ensureSupervised, fail, printJson, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('start')
      .description('start an agent (or any command) in a new workcell')
      .argument('<name>', 'workcell name: 1-48 of a-z 0-9 _ -, starting with a letter or digit')
      .requiredOption('--repo <dir>', 'the repository the agent works in')
      .requiredOption('--agent <agent>', `one of ${AGENTS.join(', ')}`)
      .option('--objective <text>', 'the task, written into brief.md exactly as given')
      .option('--brief <file>', 'read the task from a file instead')
      .option('--verify <cmd>', 'shell command that decides "done" (exit 0 = verified), run in the repo')
      .option('--verify-file <file>', 'a script to use as verify.sh')
      .option(
        '--headless',
        'run the agent in its non-interactive mode (claude -p, codex exec, ...): it exits when done',
      )
      .option('--worktree', 'give the workcell its own git worktree and branch workcell/NAME (from HEAD)')
      .option(
        '--session <name>',
        'record this workcell in a named multi-agent session (resume them all with workcell resume --session NAME)',
      )
      .option(
        '--recover <policy>',
        'recovery policy: auto (act by itself) | suggest (default: propose) | off',
      )
      .option('--json', 'print the new status as JSON')
      .argument('[args...]', 'after --: extra agent flags, or for --agent command the program and its args')
      .addHelpText(
        'after',
        '\nExamples:\n  workcell start fix-login --repo ~/src/app --agent claude --objective "Fix the login bug" --verify "npm test"\n  workcell start build --repo . --agent command -- make -j4\n  workcell start lint-fix --repo . --agent codex --headless --objective "Fix the lint errors"',
      )
      .action(async (name: string, args: string[], o: Record<string, string | boolean | undefined>) => {
        const { dir, tmux } = ctx();
        const engine = new Engine(dir, tmux);
        let repo = String(o.repo);
        if (o.worktree) {
          const badName = validateName(name); // the name becomes a path and a branch
          if (badName) return fail(badName, Boolean(o.json));
          const w = await makeWorktree(dir, repo, name);
          if (!w.ok) return fail(w.error, Boolean(o.json));
          process.stderr.write(`  worktree: ${w.value.path} (branch ${w.value.branch})\n`);
          repo = w.value.path;
        } else {
          // Not the name itself: a second start of a live name is refused below, not warned about.
          const others = (await liveWorkcellsOn(engine, repo)).filter((n) => n !== name);
          if (others.length)
            process.stderr.write(
              `workcell: warning: ${others.join(', ')} ${others.length > 1 ? 'are' : 'is'} already changing ${repo}; two agents in one work tree overwrite each other's changes (use --worktree to give this one its own)\n`,
            );
        }
        const policy = o.recover === undefined ? null : String(o.recover);
        if (policy !== null && !['auto', 'suggest', 'off'].includes(policy))
          return fail(
            {
              code: 'BAD_ARGS',
              message: `--recover takes auto, suggest or off, not ${JSON.stringify(policy)}`,
            },
            Boolean(o.json),
          );
        const r = await engine.start({
          name,
          repo,
          agent: String(o.agent),
          objective: o.objective as string | undefined,
          briefFile: o.brief as string | undefined,
          verify: o.verify as string | undefined,
          verifyFile: o.verifyFile as string | undefined,
          args,
          headless: o.headless === true,
          ...(typeof o.session === 'string' ? { session: o.session } : {}),
          ...(policy !== null ? { recoverPolicy: policy as 'auto' | 'suggest' | 'off' } : {}),
        });
        if (!r.ok) return fail(r.error, Boolean(o.json));
        if (policy !== null) {
          // Already on disk (start wrote it before the agent ran); this records it in the timeline.
          const { setPolicy } = await import('../../core/recovery/manual.js');
          const p = await setPolicy(engine, name, policy);
          if (!p.ok) process.stderr.write(`workcell: warning: ${p.error.message}\n`);
        }
        await ensureSupervised(dir);
        if (o.json) printJson(r.value);
        else {
          process.stdout.write(`started ${name} (${r.value.agent}) in ${r.value.repo}\n`);
          process.stderr.write(
            `  watch: workcell status ${name}   peek: workcell peek ${name}   attach: workcell attach ${name}\n`,
          );
        }
      });
  },
};
