// A pipeline definition: a YAML file of stages, each one a loop. Validated in full before anything
// runs, every error with its line and column (yaml keeps a source range on every node; LineCounter
// turns an offset into a line), so a user fixes the file from the message alone.
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import { AGENTS } from '../../common/workcell.js';

export interface StageDef {
  name: string;
  /** A vendor agent (or `command` when the stage gave a command). */
  agent: string;
  /** The agent's extra flags, or the command's argv. */
  args: string[];
  /** What the stage is to do: `objective` as written, or the text of the `brief` file. */
  objective: string | null;
  /** Path of the brief file (relative to the definition file), read when the stage starts. */
  brief: string | null;
  verify: string | null;
  max: number | null;
  needs: string[];
  /** `STAGE` (that stage's handoff: its agent's notes) or `STAGE:PATH` (a file it declared in outputs). */
  inputs: string[];
  /** Files (relative to the repo) the stage must leave behind: a success without them is a failure. */
  outputs: string[];
  line: number;
}

export interface PipelineDef {
  /** The repo the stages work in, relative to the definition file (default: its directory). */
  repo: string | null;
  stages: StageDef[];
}

export interface DefError {
  line: number;
  col: number;
  message: string;
}

const TOP_KEYS = ['repo', 'stages'] as const;
const STAGE_KEYS = [
  'name',
  'agent',
  'args',
  'command',
  'objective',
  'brief',
  'verify',
  'max',
  'needs',
  'inputs',
  'outputs',
] as const;
// Stage names become part of loop and workcell names (PIPELINE-STAGE-N).
const STAGE_NAME = /^[a-z0-9][a-z0-9_]{0,15}$/;

/** The definition, or every error found (never only the first: a user fixes them in one go). */
export function parsePipeline(
  text: string,
): { ok: true; value: PipelineDef } | { ok: false; errors: DefError[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const errors: DefError[] = [];
  const at = (node: Node | null | undefined, message: string) => {
    const pos = lc.linePos(node?.range?.[0] ?? 0);
    errors.push({ line: pos.line, col: pos.col, message });
  };
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    errors.push({ line: pos.line, col: pos.col, message: e.message.split('\n')[0]! });
  }
  if (errors.length) return { ok: false, errors };
  const root = doc.contents;
  if (!isMap(root)) {
    at(root, 'the file must be a mapping with a "stages" list');
    return { ok: false, errors };
  }
  let repo: string | null = null;
  let stagesNode: Node | null = null;
  for (const pair of root.items as Pair<Node, Node>[]) {
    const key = keyOf(pair);
    if (key === 'repo') repo = str(pair.value, 'repo', at);
    else if (key === 'stages') stagesNode = pair.value;
    else at(pair.key, `unknown key ${JSON.stringify(key)} (the file takes ${TOP_KEYS.join(', ')})`);
  }
  const stages: StageDef[] = [];
  if (!isSeq(stagesNode) || stagesNode.items.length === 0) {
    at(stagesNode ?? root, 'a pipeline needs "stages": a list of at least one stage');
    return { ok: false, errors };
  }
  for (const item of stagesNode.items as Node[]) {
    const st = parseStage(item, at, (n) => lc.linePos(n?.range?.[0] ?? 0).line);
    if (st) stages.push(st);
  }
  checkGraph(stages, at, stagesNode.items as Node[]);
  return errors.length ? { ok: false, errors } : { ok: true, value: { repo, stages } };
}

type At = (node: Node | null | undefined, message: string) => void;

function keyOf(pair: Pair<Node, Node>): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function str(node: Node | null, key: string, at: At): string | null {
  if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') return node.value;
  at(node, `${key} must be a non-empty string`);
  return null;
}

function strList(node: Node | null, key: string, at: At): string[] {
  if (!isSeq(node)) {
    at(node, `${key} must be a list of strings`);
    return [];
  }
  const out: string[] = [];
  for (const i of node.items as Node[]) {
    if (isScalar(i) && (typeof i.value === 'string' || typeof i.value === 'number'))
      out.push(String(i.value));
    else at(i, `${key} must hold only strings`);
  }
  return out;
}

function parseStage(node: Node, at: At, lineOf: (n: Node) => number): StageDef | null {
  if (!isMap(node)) {
    at(node, 'a stage must be a mapping (name, agent or command, objective or brief, ...)');
    return null;
  }
  const v: Partial<Record<(typeof STAGE_KEYS)[number], Node>> = {};
  for (const pair of node.items as Pair<Node, Node>[]) {
    const key = keyOf(pair);
    if ((STAGE_KEYS as readonly string[]).includes(key))
      v[key as (typeof STAGE_KEYS)[number]] = pair.value ?? undefined;
    else at(pair.key, `unknown stage key ${JSON.stringify(key)} (a stage takes ${STAGE_KEYS.join(', ')})`);
  }
  const name = v.name ? str(v.name, 'name', at) : null;
  if (!v.name) at(node, 'a stage needs a name');
  else if (name && !STAGE_NAME.test(name))
    at(
      v.name,
      `stage name ${JSON.stringify(name)}: use 1-16 characters a-z 0-9 _, starting with a letter or digit`,
    );
  let agent = 'command';
  let args: string[] = [];
  if (v.agent && v.command) at(v.command, 'a stage takes agent or command, not both');
  else if (!v.agent && !v.command) at(node, 'a stage needs an agent (one of the vendor agents) or a command');
  if (v.agent) {
    agent = str(v.agent, 'agent', at) ?? 'command';
    if (!(AGENTS as readonly string[]).includes(agent) || agent === 'command')
      at(
        v.agent,
        `unknown agent ${JSON.stringify(agent)}: use one of ${AGENTS.filter((a) => a !== 'command').join(', ')}, or give a command`,
      );
    if (v.args) args = strList(v.args, 'args', at);
  } else if (v.command) {
    if (v.args) at(v.args, 'args go with agent; a command carries its own arguments');
    // A string is the user's own shell line (as verify is); a list is an argv, run without a shell.
    if (isScalar(v.command)) args = ['sh', '-c', str(v.command, 'command', at) ?? ''];
    else args = strList(v.command, 'command', at);
    if (isSeq(v.command) && args.length === 0) at(v.command, 'command must not be empty');
  }
  if (v.objective && v.brief) at(v.brief, 'a stage takes objective or brief, not both');
  else if (!v.objective && !v.brief) at(node, 'a stage needs an objective (text) or a brief (a file)');
  let max: number | null = null;
  if (v.max) {
    if (isScalar(v.max) && Number.isInteger(v.max.value) && (v.max.value as number) > 0)
      max = v.max.value as number;
    else at(v.max, 'max must be a whole number of iterations above 0');
  }
  return {
    name: name ?? '',
    agent,
    args,
    objective: v.objective ? str(v.objective, 'objective', at) : null,
    brief: v.brief ? str(v.brief, 'brief', at) : null,
    verify: v.verify ? str(v.verify, 'verify', at) : null,
    max,
    needs: v.needs ? strList(v.needs, 'needs', at) : [],
    inputs: v.inputs ? strList(v.inputs, 'inputs', at) : [],
    outputs: v.outputs ? strList(v.outputs, 'outputs', at) : [],
    line: lineOf(node),
  };
}

/** Duplicate names, needs on missing or later stages, cycles, and inputs from stages not needed. */
function checkGraph(stages: StageDef[], at: At, nodes: Node[]): void {
  const index = new Map<string, number>();
  stages.forEach((s, i) => {
    if (!s.name) return;
    if (index.has(s.name)) at(nodes[i], `stage name ${s.name} is used twice`);
    else index.set(s.name, i);
  });
  const needNode = (i: number, name: string) => {
    const stage = nodes[i];
    if (!isMap(stage)) return stage;
    const seq = stage.get('needs', true) as Node | undefined;
    return isSeq(seq) ? ((seq.items as Node[]).find((n) => isScalar(n) && n.value === name) ?? seq) : stage;
  };
  // Cycles first: a cycle is reported as one, not as a "later stage" per member.
  const onCycle = new Set<string>();
  const seen = new Map<string, 'open' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (seen.get(name) === 'done') return;
    if (seen.get(name) === 'open') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      if (!onCycle.has(name)) {
        cycle.forEach((c) => onCycle.add(c));
        const i = index.get(cycle[cycle.length - 2]!)!;
        at(needNode(i, name), `needs form a cycle: ${cycle.join(' -> ')}`);
      }
      return;
    }
    seen.set(name, 'open');
    const s = stages[index.get(name)!]!;
    for (const n of s.needs) if (index.has(n)) visit(n, [...path, name]);
    seen.set(name, 'done');
  };
  for (const name of index.keys()) visit(name, []);
  stages.forEach((s, i) => {
    for (const n of s.needs) {
      const j = index.get(n);
      if (j === undefined)
        at(needNode(i, n), `stage ${s.name} needs ${n}, which is not a stage of this pipeline`);
      else if (j === i) at(needNode(i, n), `stage ${s.name} needs itself`);
      else if (j > i && !onCycle.has(s.name))
        at(
          needNode(i, n),
          `stage ${s.name} needs ${n}, which comes later: stages run in file order, so move ${n} above ${s.name}`,
        );
    }
    for (const ref of s.inputs) {
      const [from, path] = splitInput(ref);
      const node = isMap(nodes[i])
        ? (nodes[i] as { get: (k: string, keep: boolean) => Node }).get('inputs', true)
        : nodes[i];
      if (!s.needs.includes(from)) {
        at(
          node,
          `input ${JSON.stringify(ref)}: stage ${s.name} must list ${from} in needs to take its ${path ? 'outputs' : 'handoff'}`,
        );
        continue;
      }
      const src = stages[index.get(from) ?? -1];
      if (path && src && !src.outputs.includes(path))
        at(
          node,
          `input ${JSON.stringify(ref)}: stage ${from} declares no output ${path} (its outputs: ${src.outputs.join(', ') || 'none'})`,
        );
    }
  });
}

/** `plan` (the handoff) or `plan:PLAN.md` (an output file). */
export function splitInput(ref: string): [string, string | null] {
  const i = ref.indexOf(':');
  return i < 0 ? [ref, null] : [ref.slice(0, i), ref.slice(i + 1)];
}

export function formatErrors(file: string, errors: readonly DefError[]): string {
  return errors.map((e) => `${file}:${e.line}:${e.col}: ${e.message}`).join('\n');
}
