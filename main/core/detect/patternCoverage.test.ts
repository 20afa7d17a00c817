// Patterns and fixtures explain each other (issue 9): a built-in pattern that matches nothing in any
// fixture (conformance captures or the unit fixtures) is dead weight or a typo and fails here; a
// conformance capture that no pattern explains fails too, unless the detector is right without one
// (a silent pane that is working, an exit 0, a structured source: stream-json on the pane, hooks,
// transcript) or it is a known miss (a screen that says nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  builtinPatterns,
  loadPatterns,
  patternId,
  PANE_CATEGORIES,
  TITLE_CATEGORIES,
} from '../agents/patterns.js';
import { FIXTURE_DIR, readCaptures } from '../testing/conformance/capture.js';
import { score } from '../testing/conformance/score.js';
import { detect } from './detect.js';
import { bottomLines, findLowest } from './screen.js';

const FIXTURES = fileURLToPath(new URL('../../../../main/core/detect/fixtures/', import.meta.url));
const VENDORS = ['claude', 'codex', 'gemini', 'copilot', 'opencode', 'command'];

interface Sample {
  vendor: string;
  screen: string;
  title: string;
  id: string;
}

function samples(): Sample[] {
  const out: Sample[] = readCaptures().map((c) => ({
    vendor: c.vendor,
    screen: c.screen,
    title: c.title,
    id: c.id,
  }));
  const cases = (
    JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as {
      cases: { file: string; title: string }[];
    }
  ).cases;
  for (const c of cases)
    out.push({
      vendor: c.file.split('/')[0]!,
      screen: readFileSync(join(FIXTURES, c.file), 'utf8'),
      title: c.title,
      id: c.file,
    });
  return out;
}

const all = samples();
const linesOf = new Map(all.map((s) => [s, bottomLines(s.screen, Infinity)]));

test('every built-in pattern matches something in some fixture', () => {
  const dead: string[] = [];
  const seen = new Set<RegExp>();
  for (const vendor of VENDORS) {
    const p = builtinPatterns(vendor);
    const mine = all.filter((s) => s.vendor === vendor);
    for (const cat of PANE_CATEGORIES)
      for (const re of p.pane[cat]) {
        if (seen.has(re)) continue;
        const id = patternId(re)!;
        // common.json patterns are vendor-neutral: any vendor's fixture may show them.
        const pool = id.startsWith('common.json') ? all : mine;
        if (pool.some((s) => findLowest(linesOf.get(s)!, re))) seen.add(re);
        else if (!id.startsWith('common.json') || vendor === VENDORS.at(-1)) dead.push(id);
      }
    for (const cat of TITLE_CATEGORIES)
      for (const re of p.title[cat])
        if (!mine.some((s) => re.test(s.title.trim()))) dead.push(patternId(re)!);
  }
  assert.deepEqual([...new Set(dead)], [], 'patterns no fixture shows: add a fixture or drop them');
});

test('every conformance capture is explained by a pattern, or the detector is right without one, or it is a known miss', () => {
  const known = (
    JSON.parse(readFileSync(join(FIXTURE_DIR, 'known-misses.json'), 'utf8')) as {
      misses: Record<string, string>;
    }
  ).misses;
  const unexplained: string[] = [];
  for (const c of readCaptures()) {
    const p = builtinPatterns(c.vendor);
    const lines = bottomLines(c.screen, Infinity);
    const byPattern = PANE_CATEGORIES.some((cat) => p.pane[cat].some((re) => findLowest(lines, re)));
    const byTitle =
      !c.dead && TITLE_CATEGORIES.some((cat) => p.title[cat].some((re) => re.test(c.title.trim())));
    if (byPattern || byTitle) continue;
    const s = score(c);
    if (s.right && (c.truth.label === 'working' || c.truth.label === 'done')) continue;
    // Explained by a structured source the supervisor reads: a stream-json event on the pane, a hook
    // event, a transcript line.
    if (s.right && /\[stream-json\]$|<- (?:hook|transcript|stream|log):/.test(s.detail)) continue;
    if (c.id in known) continue;
    unexplained.push(`${c.id} (${c.truth.label})`);
  }
  assert.deepEqual(unexplained, []);
});

test("a user's override pattern is named by its file in the evidence", () => {
  const dir = mkdtempSync(join(tmpdir(), 'wc-patterns-'));
  try {
    const file = join(dir, 'command.json');
    writeFileSync(file, JSON.stringify({ waiting: ['Shall I continue\\?'] }));
    const { patterns, error } = loadPatterns('command', dir);
    assert.equal(error, undefined);
    const d = detect({ agent: 'command', screen: 'Shall I continue?', now: new Date(0), patterns });
    assert.equal(d?.state, 'waiting');
    assert.equal(d?.evidence.pattern, `${file}: waiting[0]`);
    const builtin = detect({ agent: 'command', screen: 'Proceed? (y/n)', now: new Date(0), patterns });
    assert.equal(builtin?.evidence.pattern, 'common.json: waiting[2]');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixture directories hold only the vendors this test walks', () => {
  const dirs = readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'hooks' && d.name !== 'conformance')
    .map((d) => d.name)
    .sort();
  assert.deepEqual(dirs, [...VENDORS].sort());
});
