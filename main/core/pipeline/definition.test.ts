// Pipeline definitions: every error names its line, and the graph rules (needs on earlier stages only,
// no cycles, inputs only from stages needed) hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, parsePipeline } from './definition.js';

const errorsOf = (text: string) => {
  const r = parsePipeline(text);
  assert.equal(r.ok, false, 'expected errors');
  return (r as { errors: { line: number; message: string }[] }).errors.map((e) => `${e.line}: ${e.message}`);
};

test('a good definition parses, with defaults and the stage lines', () => {
  const r = parsePipeline(
    [
      'repo: ..',
      'stages:',
      '  - name: plan',
      '    command: [node, plan.js]',
      '    objective: write PLAN.md',
      '    outputs: [PLAN.md]',
      '  - name: impl',
      '    agent: codex',
      '    args: [--model, x]',
      '    objective: implement the plan',
      '    needs: [plan]',
      '    inputs: [plan, "plan:PLAN.md"]',
      '    verify: npm test',
      '    max: 4',
    ].join('\n'),
  );
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.repo, '..');
  assert.deepEqual(
    r.value.stages.map((s) => [s.name, s.agent, s.args, s.line, s.max]),
    [
      ['plan', 'command', ['node', 'plan.js'], 3, null],
      ['impl', 'codex', ['--model', 'x'], 7, 4],
    ],
  );
  const sh = parsePipeline('stages:\n  - name: a\n    command: make all\n    objective: x\n');
  assert.ok(sh.ok);
  assert.deepEqual(sh.value.stages[0]!.args, ['sh', '-c', 'make all']);
});

test('a YAML syntax error names its line', () => {
  const e = errorsOf('stages:\n  - name: a\n    objective: [unclosed\n  - name: b\n');
  assert.match(e[0]!, /^\d+: /);
  assert.ok(Number(e[0]!.split(':')[0]) >= 3, e[0]);
});

test('unknown keys, both agent and command, a missing objective, a bad max: each on its line', () => {
  const e = errorsOf(
    [
      'stages:', //                     1
      '  - name: a', //                 2
      '    agent: claude', //           3
      '    command: [x]', //            4
      '    objective: do it', //        5
      '    retries: 3', //              6
      '  - name: b', //                 7
      '    command: [x]', //            8
      '    max: 0', //                  9
      'colour: blue', //                10
    ].join('\n'),
  );
  assert.deepEqual(e, [
    '10: unknown key "colour" (the file takes repo, stages)',
    '6: unknown stage key "retries" (a stage takes name, agent, args, command, objective, brief, verify, max, needs, inputs, outputs)',
    '4: a stage takes agent or command, not both',
    '7: a stage needs an objective (text) or a brief (a file)',
    '9: max must be a whole number of iterations above 0',
  ]);
  assert.equal(
    formatErrors('p.yaml', [{ line: 9, col: 10, message: 'max must be...' }]),
    'p.yaml:9:10: max must be...',
  );
});

test('needs: a missing stage, a later stage, a cycle; inputs: not needed, not an output', () => {
  const base = (name: string, extra: string[]) => [
    `  - name: ${name}`,
    '    command: [x]',
    '    objective: o',
    ...extra,
  ];
  const e = errorsOf(
    [
      'stages:', // 1
      ...base('a', ['    needs: [ghost]', '    outputs: [A.md]']), // 2-6 (needs on 5)
      ...base('b', ['    needs: [c]']), // 7-10 (needs on 10)
      ...base('c', ['    needs: [a]', '    inputs: ["a:B.md", d]']), // 11-15
      ...base('d', ['    needs: [e]']), // 16-19
      ...base('e', ['    needs: [d]']), // 20-23
    ].join('\n'),
  );
  assert.deepEqual(e, [
    '23: needs form a cycle: d -> e -> d',
    '5: stage a needs ghost, which is not a stage of this pipeline',
    '10: stage b needs c, which comes later: stages run in file order, so move c above b',
    '15: input "a:B.md": stage a declares no output B.md (its outputs: A.md)',
    '15: input "d": stage c must list d in needs to take its handoff',
  ]);
});
