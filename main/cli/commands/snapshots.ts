import type { Command } from 'commander';
import { listSnapshots, restoreSnapshot } from '../../core/recovery/snapshot.js';
import { engineFor, fail, printJson, type CommandModule } from '../context.js';

// `workcell snapshots NAME` and `workcell restore NAME SNAPSHOT`: the uncommitted work recovery saved
// under refs/workcells/NAME/ before it relaunched an agent (never a branch commit, never a stash).
export const command: CommandModule = {
  register(program: Command, ctx) {
    program
      .command('snapshots')
      .description(
        "list the snapshots of uncommitted work recovery took of a workcell's repo (refs/workcells/NAME/*)",
      )
      .argument('<name>')
      .option('--json', 'print JSON')
      .action(async (name: string, o: { json?: boolean }) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        const st = await c.engine.status(name);
        if (!st.ok) return fail(st.error, o.json);
        const list = await listSnapshots(st.value.repo, name);
        if (o.json) return printJson(list);
        if (!list.length) return void process.stdout.write(`no snapshots of ${name} in ${st.value.repo}\n`);
        for (const s of list)
          process.stdout.write(`${s.id}\t${s.at}\t${s.commit.slice(0, 12)}\t${s.subject}\n`);
        process.stderr.write(
          `  restore one: workcell restore ${name} SNAPSHOT (your current changes are snapshotted first)\n`,
        );
      });
    program
      .command('restore')
      .description(
        'write a snapshot back into the working tree (HEAD, branch and index untouched; the current state is snapshotted first)',
      )
      .argument('<name>')
      .argument('<snapshot>', 'as listed by `workcell snapshots NAME` (e.g. 2)')
      .option('--json', 'print JSON')
      .action(async (name: string, snapshot: string, o: { json?: boolean }) => {
        const c = await engineFor(ctx, o.json);
        if (!c) return;
        const st = await c.engine.status(name);
        if (!st.ok) return fail(st.error, o.json);
        const r = await restoreSnapshot(st.value.repo, name, snapshot, st.value.pass);
        if (!r.ok) return fail(r.error, o.json);
        await c.engine.store.appendEvent(name, {
          type: 'recovery',
          action: 'restore',
          detail: `snapshot ${snapshot} restored into ${st.value.repo}${r.value.saved ? `; the state before is ${r.value.saved.id}` : ''}`,
        });
        if (o.json) return printJson(r.value);
        process.stdout.write(
          `restored ${r.value.restored.ref} into ${st.value.repo}${r.value.saved ? `; what was there is saved as ${r.value.saved.id}` : ''}\n`,
        );
      });
  },
};
