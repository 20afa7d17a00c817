import type { Command } from 'commander';
import type { WorkcellStatus } from '../../common/workcell.js';
import { engineFor, ensureSupervised, fail, printJson, type CommandModule } from '../context.js';

interface Opts {
  json?: boolean;
  exact?: boolean;
  session?: string;
  confirm?: boolean;
  confirmTimeout?: string;
}

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('resume')
      .description(
        "start the next pass of an ended workcell: the vendor's own resume when its transcript is on disk, else a resume from artifacts (checkpoint, handoff, diff), said plainly; earlier artifacts move to history/",
      )
      .argument('[name]')
      .option(
        '--exact',
        'only the exact vendor conversation will do: refuse instead of resuming from artifacts',
      )
      .option('--session <name>', 'resume every member of a named session (workcell start --session NAME)')
      .option('--no-confirm', 'do not wait for evidence that the conversation was reopened')
      .option('--confirm-timeout <seconds>', 'how long to wait for that evidence', '15')
      .option('--json', 'print the new status (and the check) as JSON')
      .action(async (name: string | undefined, o: Opts) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        if (!name === !o.session)
          return fail(
            { code: 'BAD_ARGS', message: 'give a workcell NAME or --session NAME (one of them)' },
            o.json,
          );
        let names = [name!];
        if (o.session) {
          const { readSession } = await import('../../core/continuity/namedSessions.js');
          const s = await readSession(c.dir, o.session);
          if (!s.ok) return fail(s.error, o.json);
          names = s.value.members.map((m) => m.workcell);
        }
        const { confirmResume } = await import('../../core/resumeCheck.js');
        const timeoutMs = Number(o.confirmTimeout ?? 15) * 1000;
        // Members resume one after another (each takes its own name lock) and are confirmed together.
        const results: {
          name: string;
          ok: boolean;
          status?: WorkcellStatus;
          error?: string;
          check?: unknown;
        }[] = [];
        for (const n of names) {
          const r = await c.engine.resume(n, { exact: o.exact === true });
          if (r.ok) results.push({ name: n, ok: true, status: r.value });
          else results.push({ name: n, ok: false, error: r.error.message });
          if (!r.ok && !o.session) return fail(r.error, o.json);
        }
        if (results.some((r) => r.ok)) await ensureSupervised(c.dir);
        if (o.confirm !== false)
          await Promise.all(
            results
              .filter((r) => r.ok)
              .map(async (r) => {
                r.check = await confirmResume(c.dir, c.tmux, c.engine.store, r.name, { timeoutMs });
              }),
          );
        if (o.json) {
          printJson(
            o.session
              ? { session: o.session, members: results }
              : { ...results[0]!.status, check: results[0]!.check },
          );
        } else {
          for (const r of results) {
            if (!r.ok) {
              process.stdout.write(`${r.name}: NOT resumed: ${r.error}\n`);
              continue;
            }
            const check = r.check as { verdict: string; detail: string } | undefined;
            process.stdout.write(
              `resumed ${r.name}: pass ${r.status!.pass} (${r.status!.evidence?.detail ?? ''})${check ? `\n  check: ${check.verdict}: ${check.detail}` : ''}\n`,
            );
          }
        }
        if (results.some((r) => !r.ok)) process.exitCode = 1;
      });
  },
};
