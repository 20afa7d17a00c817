import type { Command } from 'commander';
import { removeStaleOwnerLocks } from '../../core/loop/lockGc.js';
import { gcWorktrees } from '../../core/loop/worktreeGc.js';
import { describeEnded } from '../../core/processes.js';
import { engineFor, fail, printJson, type CommandModule } from '../context.js';
import { parseDuration } from '../duration.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('gc')
      .description(
        'end orphaned workcells (processes running with no pane), close dead sessions whose exit is on disk and ghost sessions whose run directory is gone; with --remove also delete the run directories of ended workcells',
      )
      .option('--older-than <duration>', 'only workcells that ended longer ago than this (30m, 2h, 7d)')
      .option(
        '--remove',
        'also delete the run directories of ended workcells (never one whose processes still run)',
      )
      .option('--json', 'print JSON')
      .action(async (o: { olderThan?: string; remove?: boolean; json?: boolean }) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        let olderThanMs: number | undefined;
        if (o.olderThan !== undefined) {
          const ms = parseDuration(o.olderThan);
          if (ms === null)
            return fail(
              {
                code: 'BAD_ARGS',
                message: `--older-than takes a duration like 30m, 2h or 7d, not ${JSON.stringify(o.olderThan)}`,
              },
              o.json,
            );
          olderThanMs = ms;
        }
        const r = await c.engine.gc({ olderThanMs, remove: o.remove });
        if (!r.ok) return fail(r.error, o.json);
        // Loop, pipeline and worktree locks whose owner is dead (never by age).
        const locks = removeStaleOwnerLocks(c.dir);
        // Worktrees of merged workcell/ branches: listed, removed with --remove (never an unmerged
        // branch's, never one a live workcell or runner uses).
        const worktrees = await gcWorktrees(c.engine, o.remove === true);
        if (o.json) return printJson({ ...r.value, staleLocks: locks, worktrees });
        for (const w of worktrees)
          process.stdout.write(
            w.action === 'removable'
              ? `worktree ${w.path} can go (${w.why}): gc --remove removes it\n`
              : `${w.action === 'removed' ? 'removed' : 'kept'} worktree ${w.path}: ${w.why}\n`,
          );
        for (const l of locks)
          process.stdout.write(`removed stale lock ${l.lock} (its owner, ${l.owner}, is dead)\n`);
        for (const { name, ended } of r.value.reaped)
          process.stdout.write(
            `reaped orphaned ${name}: ${ended.length ? `ended ${describeEnded(ended)}` : 'its processes had already gone'}\n`,
          );
        process.stdout.write(
          `closed ${r.value.closed.length} dead session(s)${o.remove ? `, removed ${r.value.removed.length} run dir(s)` : ''}\n`,
        );
        for (const n of r.value.ghosts)
          process.stdout.write(`  closed ghost session ${n} (its run dir was gone)\n`);
        for (const n of r.value.removed) process.stdout.write(`  removed ${n}\n`);
        for (const n of r.value.busy)
          process.stdout.write(`  skipped ${n}: another workcell command is working on it; run gc again\n`);
        for (const k of r.value.keptLive)
          process.stdout.write(
            `  kept ${k.name}: processes it left behind still run (pid ${k.pids.join(', ')})\n`,
          );
        if (r.value.broken.length)
          process.stderr.write(
            `workcell: left ${r.value.broken.length} broken run dir(s) alone (${r.value.broken.join(', ')}): workcell ls says what is wrong with each\n`,
          );
      });
  },
};
