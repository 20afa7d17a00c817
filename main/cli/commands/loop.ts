import type { Command } from 'commander';
import { AGENTS } from '../../common/workcell.js';
import { resumeLoop, setLoopMax, startLoop, stopLoop } from '../../core/loop/loopClient.js';
import { LoopFiles, type LoopState } from '../../core/loop/loopState.js';
import { describeOwner, ownerAlive, readOwner } from '../../core/loop/ownerLock.js';
import { parseDuration } from '../duration.js';
import { ensureSupervised, fail, printJson, type CommandModule } from '../context.js';

interface Opts {
  repo?: string;
  agent?: string;
  prd?: string;
  max?: string;
  verify?: string;
  timeout?: string;
  force?: boolean;
  resume?: boolean;
  status?: boolean;
  stop?: boolean;
  setMax?: string;
  parallel?: string;
  stagger?: string;
  json?: boolean;
}

const bad = (message: string, json?: boolean) => fail({ code: 'BAD_ARGS', message }, json);

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('loop')
      .description(
        'work through a PRD checklist: each iteration a fresh agent in a new workcell on the next open item, closed only on evidence (a signal, a real git change, verify passing)',
      )
      .argument('<name>', 'loop name: 1-40 of a-z 0-9 _ -; its iterations are workcells NAME-1, NAME-2, ...')
      .option('--repo <dir>', 'the git repository the agents work in')
      .option('--agent <agent>', `one of ${AGENTS.join(', ')} (vendor agents run headless)`)
      .option('--prd <file>', 'the PRD: "- [ ] item" lines under a "Tasks" heading (relative to --repo)')
      .option('--max <n>', 'most iterations (default 10)')
      .option('--verify <cmd>', 'shell command that decides an item is done (exit 0), run in the repo')
      .option('--timeout <duration>', 'per iteration (default 60m)')
      .option('--parallel <k>', 'work on up to K items at once, each in its own git worktree and branch')
      .option(
        '--stagger <duration>',
        'with --parallel: the least time between two agents starting (default 10s)',
      )
      .option('--force', 'take the loop over from a live runner')
      .option('--resume', 'continue the loop at its first unfinished item (closes an open circuit breaker)')
      .option('--status', "show the loop's items, iterations and breaker")
      .option('--stop', 'stop the loop (the iteration in flight is killed and recorded as cancelled)')
      .option('--set-max <n>', 'change the maximum while the loop runs')
      .option('--json', 'print JSON')
      .argument('[args...]', 'after --: extra agent flags, or for --agent command the program and its args')
      .addHelpText(
        'after',
        '\nExamples:\n  workcell loop feature-x --repo . --agent codex --prd PRD.md --verify "npm test"\n  workcell loop --status feature-x\n  workcell loop --resume feature-x',
      )
      .action(async (name: string, args: string[], o: Opts) => {
        const { dir } = ctx();
        if (o.status) return showStatus(new LoopFiles(dir, name), o.json);
        if (o.stop) {
          const r = await stopLoop(dir, name);
          if (!r.ok) return fail(r.error, o.json);
          if (o.json) return printJson(r.value);
          process.stdout.write(
            r.value.running
              ? `asked loop ${name} to stop: its iteration in flight is killed and recorded as cancelled\n`
              : `loop ${name} is not running (${r.value.status})\n`,
          );
          return;
        }
        if (o.setMax !== undefined) {
          const r = await setLoopMax(dir, name, Number(o.setMax));
          if (!r.ok) return fail(r.error, o.json);
          process.stdout.write(`loop ${name}: at most ${o.setMax} iterations (from the next one)\n`);
          return;
        }
        let r;
        if (o.resume) r = await resumeLoop(dir, name, o.force);
        else {
          if (!o.repo || !o.agent || !o.prd) return bad('a new loop needs --repo, --agent and --prd', o.json);
          const timeoutMs = o.timeout === undefined ? undefined : parseDuration(o.timeout);
          if (timeoutMs === null)
            return bad(`--timeout takes a duration like 30m, not ${JSON.stringify(o.timeout)}`, o.json);
          const staggerMs = o.stagger === undefined ? undefined : parseDuration(o.stagger);
          if (staggerMs === null)
            return bad(`--stagger takes a duration like 10s, not ${JSON.stringify(o.stagger)}`, o.json);
          r = await startLoop(dir, {
            name,
            repo: o.repo,
            agent: o.agent,
            prd: o.prd,
            args,
            max: o.max === undefined ? undefined : Number(o.max),
            verify: o.verify,
            timeoutMs,
            force: o.force,
            parallel: o.parallel === undefined ? undefined : Number(o.parallel),
            staggerMs,
          });
        }
        if (!r.ok) return fail(r.error, o.json);
        // The daemon watches the iterations' workcells (usage limits, stalls) and tells the user.
        await ensureSupervised(dir);
        if (o.json) printJson(r.value);
        else
          process.stdout.write(
            `loop ${name} ${o.resume ? 'resumed' : 'started'} (at most ${r.value.max} iterations)\n  watch: workcell loop --status ${name}\n`,
          );
      });
  },
};

async function showStatus(files: LoopFiles, json?: boolean): Promise<void> {
  const s = await files.readState();
  if (!s) return fail({ code: 'NOT_FOUND', message: `no loop named ${files.name}` }, json);
  const owner = readOwner(files.dir, 'loop', files.name);
  const live = owner && ownerAlive(owner) ? owner : null;
  if (json) return printJson({ ...s, runner: live });
  process.stdout.write(render(s, live ? describeOwner(live) : null));
}

function render(s: LoopState, runner: string | null): string {
  const items = Object.values(s.items);
  const done = items.filter((i) => i.outcome === 'succeeded' || i.outcome === 'succeeded_unverified').length;
  const lines = [
    `loop ${s.name}: ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`,
    `  runner: ${runner ?? 'none running'}`,
    `  iterations: ${s.iteration}/${s.max}   items closed: ${done}   breaker: ${s.breaker.open ? `OPEN: ${s.breaker.reason}` : 'closed'}`,
  ];
  if (s.current) lines.push(`  now: ${s.current.workcell} on "${s.current.itemText}"`);
  for (const it of s.iterations)
    lines.push(
      `  ${String(it.n).padStart(3)} ${it.outcome.padEnd(21)} ${it.itemText}${it.reason ? `  (${it.reason})` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}
