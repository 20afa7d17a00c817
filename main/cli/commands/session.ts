import type { Command } from 'commander';
import { fail, printJson, type CommandModule } from '../context.js';

export const command: CommandModule = {
  register(program: Command, ctx) {
    const session = program
      .command('session')
      .description(
        'named multi-agent sessions (workcell start ... --session NAME; workcell resume --session NAME)',
      );
    session
      .command('ls')
      .description('list named sessions')
      .option('--json', 'print as JSON')
      .action(async (o: { json?: boolean }) => {
        const { listSessions } = await import('../../core/continuity/namedSessions.js');
        const all = await listSessions(ctx().dir);
        if (o.json) return printJson(all);
        if (!all.length)
          process.stdout.write('no named sessions (start one with workcell start ... --session NAME)\n');
        for (const s of all)
          process.stdout.write(
            `${s.name}\t${s.members.length} member(s)\t${s.members.map((m) => m.workcell).join(', ')}\n`,
          );
      });
    session
      .command('show')
      .description('the members of a named session, with their current state and vendor session id')
      .argument('<name>')
      .option('--json', 'print as JSON')
      .action(async (name: string, o: { json?: boolean }) => {
        const { dir } = ctx();
        const { readSession } = await import('../../core/continuity/namedSessions.js');
        const { RunStore } = await import('../../core/runStore.js');
        const s = await readSession(dir, name);
        if (!s.ok) return fail(s.error, o.json);
        const store = new RunStore(dir);
        const members = await Promise.all(
          s.value.members.map(async (m) => {
            const st = await store.readStatus(m.workcell).catch(() => null); // removed or broken: shown as gone
            return {
              ...m,
              state: st?.state ?? 'gone',
              pass: st?.pass ?? null,
              currentVendorSessionId: st?.vendorSessionId ?? null,
            };
          }),
        );
        if (o.json) return printJson({ ...s.value, members });
        process.stdout.write(`session ${name} (created ${s.value.createdAt})\n`);
        for (const m of members)
          process.stdout.write(
            `  ${m.workcell}\t${m.agent}\t${m.state}${m.pass ? ` pass ${m.pass}` : ''}\tvendor session ${m.currentVendorSessionId ?? '(none)'}\tspawned ${m.spawnedAt}\n`,
          );
      });
  },
};
