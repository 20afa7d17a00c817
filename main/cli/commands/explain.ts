import type { Command } from 'commander';
import { isEnded } from '../../common/workcell.js';
import { engineFor, fail, printJson, warnIfUnsupervised, type CommandModule } from '../context.js';
import { age, stateLabel, verifyLabel } from '../format.js';
import { pausedText } from '../../core/recovery/summary.js';

const HOW = {
  continue: 'a continue turn typed into the live agent',
  relaunch: 'a new pass: the agent exited',
  suggest: 'policy suggest: nothing fires by itself',
} as const;

export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('explain')
      .description(
        'why the supervisor believes a workcell is in its state: the evidence and the recent timeline',
      )
      .argument('<name>')
      .option('-n, --events <n>', 'how many recent state events to show', '10')
      .option('--json', 'print JSON')
      .action(async (name: string, o: { events: string; json?: boolean }) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        const engine = c.engine;
        const st = await engine.status(name);
        if (!st.ok) return fail(st.error, o.json);
        const w = st.value;
        await warnIfUnsupervised(c.dir, !isEnded(w.state));
        const events = (await engine.store.readEvents(name))
          .filter((e) => e.evidence || e.type !== 'state')
          .slice(-Number(o.events || 10));
        if (o.json)
          return printJson({
            name,
            state: w.state,
            evidence: w.evidence,
            resetAt: w.resetAt,
            recovery: w.recovery ?? null,
            reason: w.reason,
            verify: w.verify,
            verified: w.verified,
            events,
          });
        const lines = [`${name} is ${stateLabel(w)}`];
        if (w.evidence)
          lines.push(
            `  because  ${w.evidence.detail}`,
            `  source   ${w.evidence.source}, at ${w.evidence.at} (${age(w.evidence.at)} ago)`,
            // Which pattern decided: a built-in file (`claude.json: waiting[0]`) or the user's override path.
            ...(w.evidence.pattern ? [`  pattern  ${w.evidence.pattern}`] : []),
          );
        else lines.push('  no evidence recorded');
        if (w.reason) lines.push(`  reason   ${w.reason}`);
        if (w.resetAt) lines.push(`  resets   ${w.resetAt}`);
        if (w.recovery)
          lines.push(
            `  recovery ${pausedText(name, w.recovery, { now: Date.now() })} (attempt ${w.recovery.attempt} of 2, ${HOW[w.recovery.how]}; \`workcell recover ${name} --cancel\` cancels it)`,
          );
        lines.push(`  verify   ${verifyLabel(w)}`);
        if (w.pane)
          lines.push(
            `  pane     ${w.pane.dead ? 'dead' : 'alive'}, pid ${w.pane.pid}, last output ${age(new Date(w.pane.activity * 1000).toISOString())} ago, title ${JSON.stringify(w.pane.title)}`,
          );
        else lines.push('  pane     no tmux session');
        lines.push('', 'recent timeline:');
        for (const e of events) {
          const what =
            e.type === 'state'
              ? `${e.from ?? '?'} -> ${e.state}`
              : e.type === 'recovery'
                ? `recovery ${String(e.action)}: ${String(e.detail)}`
                : e.type;
          lines.push(
            `  ${e.at}  ${what}${e.evidence ? `  (${e.evidence.source}: ${e.evidence.detail})` : ''}`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      });
  },
};
