// A simulated agent for `workcell demo`: works for a while (printing progress like a coding agent),
// then ends the way its scenario says, so a newcomer sees every state the dashboard shows.
// Usage: node demoAgent.js --scenario working|waiting|done|failed|rate_limited [--step-ms N]
// A script, not a library: importing it would run it, so the scenario list lives in demoScenarios.ts.
import { createInterface } from 'node:readline';
import type { Scenario } from './demoScenarios.js';

const WORK = [
  'Reading the repository layout',
  'Found 14 TypeScript files under src/',
  'Running the test suite: 3 failing',
  'Editing src/parser.ts: handle empty input',
  'Editing src/parser.test.ts: add a table test',
  'Running the test suite again',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const scenario = (argv[argv.indexOf('--scenario') + 1] ?? 'working') as Scenario;
  // Slow enough to watch the list change, quick enough that the whole demo settles within a minute.
  const stepMs = Number(argv[argv.indexOf('--step-ms') + 1]) || 1_500;
  // The banner names the scenario in plain words: the detectors must not mistake it for the message.
  say(
    `demo agent (${scenario.replace('_', ' ')} scenario): a simulated coding agent, nothing real is changed`,
  );
  for (const line of WORK) {
    say(`● ${line}`);
    await sleep(stepMs);
  }
  switch (scenario) {
    case 'working':
      for (let i = 1; ; i++) {
        say(`● Still working: refactoring module ${i} of many`);
        await sleep(stepMs * 2);
      }
    case 'waiting': {
      process.stdout.write('? Allow editing package.json to add a dev dependency? (y/n) ');
      const rl = createInterface({ input: process.stdin });
      const answer = await new Promise<string>((r) => rl.once('line', r));
      rl.close();
      say(`got: ${answer}`);
      say('● Done after the answer.');
      return;
    }
    case 'done':
      say('✓ All 42 tests pass. Summary written to the handoff.');
      return;
    case 'failed':
      say('✗ Error: cannot continue: src/parser.ts has a syntax error the agent introduced');
      process.exitCode = 1;
      return;
    case 'rate_limited': {
      const reset = new Date(Date.now() + 2 * 3600_000);
      const hh = reset.getHours() % 12 || 12;
      say(`You've hit your usage limit · resets ${hh}${reset.getHours() < 12 ? 'am' : 'pm'}`);
      say('/upgrade to increase your usage limit.');
      // A rate-limited agent sits at its prompt until the user comes back.
      await sleep(3_600_000);
      return;
    }
  }
}

void main();
