import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENTS } from '../../common/workcell.js';
import { builtinPatterns, loadPatterns } from './patterns.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'pat-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('every agent has built-ins (common.json at least) and they compile', () => {
  for (const a of AGENTS) {
    const p = builtinPatterns(a);
    assert.ok(p.pane.auth_failed.length > 0, a);
    assert.ok(p.bottomLines > 0);
  }
  assert.ok(builtinPatterns('claude').title.running.length > 0);
});

test('no override file: built-ins, no error', () => {
  withDir((dir) => {
    const r = loadPatterns('claude', dir);
    assert.equal(r.error, undefined);
    assert.equal(r.patterns, builtinPatterns('claude'));
  });
});

test('override extends by default, replaces with mode=replace', () => {
  withDir((dir) => {
    writeFileSync(
      join(dir, 'claude.json'),
      JSON.stringify({ waiting: ['Shall I go on\\?'], title: { idle: ['^zz'] }, bottomLines: 8 }),
    );
    const r = loadPatterns('claude', dir);
    assert.equal(r.error, undefined);
    assert.equal(r.patterns.bottomLines, 8);
    assert.equal(r.patterns.pane.waiting[0]!.source, 'Shall I go on\\?');
    assert.equal(r.patterns.pane.waiting.length, builtinPatterns('claude').pane.waiting.length + 1);
    assert.equal(r.patterns.title.idle.length, builtinPatterns('claude').title.idle.length + 1);

    writeFileSync(join(dir, 'codex.json'), JSON.stringify({ mode: 'replace', idle: ['^READY$'] }));
    const c = loadPatterns('codex', dir);
    assert.deepEqual(
      c.patterns.pane.idle.map((r) => r.source),
      ['^READY$'],
    );
    assert.equal(c.patterns.pane.waiting, builtinPatterns('codex').pane.waiting); // unnamed lists stay
  });
});

const broken: [string, string, RegExp][] = [
  ['not JSON', '{ waiting: [', /claude\.json: not valid JSON/],
  [
    'bad regex',
    JSON.stringify({ waiting: ['ok', '(unclosed'] }),
    /claude\.json: waiting\[1\]: invalid regular expression/,
  ],
  ['not a list', JSON.stringify({ idle: 'x' }), /claude\.json: idle: expected an array/],
  ['unknown field', JSON.stringify({ waitng: [] }), /claude\.json: unknown field "waitng"/],
  ['bad title key', JSON.stringify({ title: { busy: [] } }), /claude\.json: title\.busy: unknown category/],
  ['bad bottomLines', JSON.stringify({ bottomLines: 0 }), /claude\.json: bottomLines/],
  ['bad mode', JSON.stringify({ mode: 'merge' }), /claude\.json: mode/],
];
for (const [name, text, message] of broken) {
  test(`broken override (${name}): error value naming file and field, built-ins kept`, () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'claude.json'), text);
      const r = loadPatterns('claude', dir);
      assert.equal(r.error?.code, 'BAD_SETTINGS');
      assert.match(r.error!.message, message);
      assert.equal(r.patterns, builtinPatterns('claude'));
    });
  });
}
