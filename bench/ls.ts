// `workcell ls --json` at 100 live workcells, next to a bare `tmux list-panes -a` on the same server.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../main/core/engine.js';
import { Tmux, tmuxEnv } from '../main/core/tmux.js';
import { makeHome, CLI } from '../main/core/testing/fixture.js';
import { summary, ms } from './stats.js';

function timeProcess(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) =>
    execFile(file, args, { env, maxBuffer: 64 << 20 }, (e) =>
      e ? reject(e) : resolve(Number(process.hrtime.bigint() - t0) / 1e6),
    ),
  );
}

export async function benchLs(count = 100, rounds = 15): Promise<Record<string, unknown>> {
  const home = makeHome('wcb-');
  try {
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    const repo = join(home.dir.root, 'repo');
    mkdirSync(repo);
    for (let i = 0; i < count; i++) {
      const r = await engine.start({ name: `b${i}`, repo, agent: 'command', args: ['sleep', '3600'] });
      if (!r.ok) throw new Error(r.error.message);
    }
    const env = { ...tmuxEnv(), WORKCELLS_HOME: home.dir.root };
    const list = await engine.list();
    if (!list.ok || list.value.length !== count || list.value.some((w) => w.state !== 'running'))
      throw new Error('fleet not running');
    const cli: number[] = [];
    const inproc: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < rounds; i++) {
      cli.push(await timeProcess(process.execPath, [CLI, 'ls', '--json'], env));
      bare.push(await timeProcess('tmux', ['-S', home.dir.socket, 'list-panes', '-a'], env));
      const t0 = process.hrtime.bigint();
      await engine.list();
      inproc.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const nodeStart: number[] = [];
    for (let i = 0; i < 5; i++) nodeStart.push(await timeProcess(process.execPath, ['-e', '0'], env));
    const out = {
      workcells: count,
      cliLsJson: summary(cli),
      engineList: summary(inproc),
      bareListPanes: summary(bare),
      bareNodeStartup: summary(nodeStart),
    };
    console.log(`ls at ${count} live workcells (${rounds} rounds, p50 / p99):`);
    console.log(
      `  workcell ls --json (process)   ${ms(out.cliLsJson.p50)} / ${ms(out.cliLsJson.p99)}   target p50 <= 150 ms`,
    );
    console.log(`  engine.list() (in process)     ${ms(out.engineList.p50)} / ${ms(out.engineList.p99)}`);
    console.log(
      `  tmux list-panes -a (process)   ${ms(out.bareListPanes.p50)} / ${ms(out.bareListPanes.p99)}`,
    );
    console.log(`  node -e 0 (startup floor)      ${ms(out.bareNodeStartup.p50)}`);
    return out;
  } finally {
    home.cleanup();
  }
}
