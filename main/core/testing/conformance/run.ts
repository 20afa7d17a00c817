// `npm run conformance [-- options]`: installs the pinned vendor CLIs into a cache, runs every
// scenario x mode x pane size against the loopback mock, and writes labelled captures as fixtures.
// `--report` only scores the detector on the recorded fixtures (no CLI runs).
//   --vendor claude,gemini   --scenario text,usage_limit   --mode interactive|headless
//   --size 80x24,200x50      --report [--verbose]          --dry (capture, write nothing)
//   --known-misses (print the current misses as known-misses.json)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS, type Scenario } from './mockApi.js';
import { VENDORS, type Mode } from './vendors.js';
import { ensureInstalled } from './install.js';
import { outDir, readCaptures, writeCapture } from './capture.js';
import { runCase } from './runCase.js';
import { formatReport, report, score } from './score.js';

const { values } = parseArgs({
  options: {
    vendor: { type: 'string' },
    scenario: { type: 'string' },
    mode: { type: 'string' },
    size: { type: 'string' },
    report: { type: 'boolean' },
    verbose: { type: 'boolean' },
    dry: { type: 'boolean' },
    'known-misses': { type: 'boolean' },
  },
});

const KNOWN_MISSES_COMMENT =
  'Captures the detector gets wrong today (issue 9), id: truth -> detector. Only ever shrinks: conformance.test.ts fails on a new miss and on a fixed one still listed.';

const list = (v: string | undefined, all: readonly string[]) =>
  v ? v.split(',').filter((x) => all.includes(x)) : [...all];

if (values['known-misses']) {
  // The current misses in known-misses.json's shape, for a human to review after a re-capture.
  const misses = Object.fromEntries(
    report(readCaptures(outDir())).misses.map((s) => [s.capture.id, `${s.capture.truth.label} -> ${s.seen}`]),
  );
  console.log(JSON.stringify({ $comment: KNOWN_MISSES_COMMENT, misses }, null, 2));
  process.exit(0);
}
if (values.report) {
  console.log(formatReport(report(readCaptures(outDir())), values.verbose));
  process.exit(0);
}

const vendors = VENDORS.filter((v) =>
  list(
    values.vendor,
    VENDORS.map((x) => x.name),
  ).includes(v.name),
);
const scenarios = list(values.scenario, SCENARIOS) as Scenario[];
const modes = list(values.mode, ['interactive', 'headless']) as Mode[];
const sizes = (values.size ?? '80x24,200x50')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);

let failed = 0;
for (const v of vendors) {
  const inst = ensureInstalled(v);
  if (!inst.ok) {
    console.error(`${v.name}: ${inst.error.message}`);
    failed++;
    continue;
  }
  // A throwaway HOME: `--version` alone makes codex, gemini, copilot and opencode create config dirs.
  const versionHome = mkdtempSync(join(tmpdir(), 'wcc-version-'));
  const version = spawnSync(inst.value.bin, ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, HOME: versionHome },
  })
    .stdout.trim()
    .split('\n')
    .pop()!;
  rmSync(versionHome, { recursive: true, force: true });
  console.log(
    `${v.name} ${v.version} (${version})${inst.value.seconds ? `, installed in ${inst.value.seconds.toFixed(0)} s` : ''}`,
  );
  for (const scenario of scenarios)
    for (const mode of modes)
      for (const [width, height] of sizes) {
        const t0 = Date.now();
        const spec = { vendor: v, bin: inst.value.bin, cliVersion: v.version, scenario, mode, width, height };
        const r = await runCase(spec).catch((e: unknown) => ({
          captures: [],
          notes: [`harness error: ${String(e)}`],
        }));
        for (const c of r.captures) {
          const s = score(c);
          if (!values.dry) writeCapture(c, outDir());
          console.log(`  ${c.id}: truth ${c.truth.label}, detector ${s.seen}${s.right ? '' : '  MISS'}`);
        }
        for (const n of r.notes) console.log(`  ${v.name}/${mode}-${scenario}-${width}x${height}: ${n}`);
        if (r.captures.length === 0) failed++;
        console.log(`    (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      }
}
process.exit(failed ? 1 : 0);
