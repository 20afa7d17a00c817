import type { Command } from 'commander';
import { cancelRecovery, recoverNow, recoveryPlans, setPolicy } from '../../core/recovery/manual.js';
import { engineFor, ensureSupervised, fail, printJson, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('recover')
      .description(
        'the recovery playbook: diagnose workcells (usage limit, lost login, partial, lost) and act; without NAME, a dry run of every workcell',
      )
      .argument('[name]')
      .option('--dry-run', 'print the diagnosis, the evidence and the action it would take; change nothing')
      .option('--cancel', 'cancel the scheduled resume of NAME')
      .option('--policy <policy>', 'set the recovery policy of NAME live: auto | suggest | off')
      .option('--json', 'print JSON')
      .addHelpText(
        'after',
        '\nExamples:\n  workcell recover --dry-run          what recovery would do for every workcell\n  workcell recover fix-login          do it now (resume-now for a usage limit)\n  workcell recover fix-login --cancel cancel its scheduled resume\n  workcell recover fix-login --policy auto',
      )
      .action(
        async (
          name: string | undefined,
          o: { dryRun?: boolean; cancel?: boolean; policy?: string; json?: boolean },
        ) => {
          const c = await engineFor(ctx, o.json);
          if (!c) return;
          if ((o.cancel || o.policy) && !name)
            return fail({ code: 'BAD_ARGS', message: '--cancel and --policy need a workcell NAME' }, o.json);
          if (o.policy) {
            const r = await setPolicy(c.engine, name!, o.policy);
            if (!r.ok) return fail(r.error, o.json);
            if (o.json) printJson({ name, policy: r.value });
            else process.stdout.write(`${name}: recovery policy ${r.value}\n`);
            if (!o.cancel && !o.dryRun) return;
          }
          if (o.cancel) {
            const r = await cancelRecovery(c.engine, name!);
            if (!r.ok) return fail(r.error, o.json);
            if (o.json) printJson({ name, cancelled: r.value });
            else
              process.stdout.write(
                r.value ? `${name}: scheduled resume cancelled\n` : `${name}: no resume was scheduled\n`,
              );
            return;
          }
          if (o.dryRun || !name) {
            const r = await recoveryPlans(c.engine, name);
            if (!r.ok) return fail(r.error, o.json);
            if (o.json) return printJson(r.value);
            const lines: string[] = [];
            for (const p of r.value)
              lines.push(
                `${p.name}: ${p.diagnosis} (policy ${p.policy})`,
                `  evidence  ${p.evidence}`,
                `  action    ${p.action}${p.automatic ? ' (automatic)' : p.action === 'none' ? '' : ` (not automatic: \`workcell recover ${p.name}\` does it)`}: ${p.detail}`,
              );
            process.stdout.write(`${lines.join('\n') || 'no workcells'}\n`);
            return;
          }
          const r = await recoverNow(c.engine, name);
          if (!r.ok) return fail(r.error, o.json);
          await ensureSupervised(c.dir);
          if (o.json) printJson(r.value);
          else process.stdout.write(`${name}: ${r.value.plan.diagnosis}: ${r.value.did}\n`);
        },
      );
  },
};
