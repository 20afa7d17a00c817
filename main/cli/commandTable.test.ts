// The lazy command table (commandTable.ts) must not drift from the modules: a command registered by a
// module but missing from its row would be unknown unless the whole table was loaded, and a module
// file left out of the table would never load at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Command } from 'commander';
import { COMMAND_TABLE, rowsFor } from './commandTable.js';
import type { CliContext } from './context.js';

const noCtx = (): CliContext => {
  throw new Error('registration must not need a context');
};

test('each row names exactly the top-level commands and aliases its module registers', async () => {
  for (const row of COMMAND_TABLE) {
    const program = new Command('workcell');
    (await row.load()).command.register(program, noCtx);
    const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    assert.deepEqual([...names].sort(), [...row.names].sort());
  }
});

test('every command module in commands/ is in the table', () => {
  const dir = new URL('./commands/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'));
  const loaders = COMMAND_TABLE.map((r) => r.load.toString());
  for (const f of files)
    assert.ok(
      loaders.some((l) => l.includes(`./commands/${f}`)),
      `${f} is not in COMMAND_TABLE`,
    );
  assert.equal(COMMAND_TABLE.length, files.length);
});

test('only the named command is loaded; help, no command and an unknown name load all', () => {
  const names = (args: string[]) => rowsFor(args).map((r) => r.names[0]);
  assert.deepEqual(names(['ls', '--json']), ['ls']);
  assert.deepEqual(names(['list']), ['ls']);
  assert.deepEqual(names(['restore', 'x', 'y']), ['snapshots']);
  assert.deepEqual(names(['loop', 'lp', '--', 'node', 'agent.js']), ['loop']);
  assert.deepEqual(names(['--version']), []);
  assert.deepEqual(names(['-V']), []);
  for (const args of [[], ['--help'], ['-h'], ['help', 'ls'], ['stat'], ['--version', 'nosuch']])
    assert.equal(rowsFor(args), COMMAND_TABLE, JSON.stringify(args));
});
