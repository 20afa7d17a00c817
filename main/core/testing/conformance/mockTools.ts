// Which tool the mock asks a CLI to call, and with what arguments. Every CLI declares its own tools
// in the request (claude `Bash`/`AskUserQuestion`, gemini `run_shell_command`, codex `shell`/
// `exec_command`, opencode `bash`/`question`, ...), so the mock reads their names and JSON schemas
// from the request and fills the required fields, instead of hard-coding one vendor's shapes.
import type { Wire, ToolCall } from './mockWire.js';

interface ToolDecl {
  name: string;
  schema: Schema;
}
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
}

export type ToolPurpose = 'permission' | 'question';

// Shell first: every CLI asks before running a command that writes (codex with approval_policy
// "untrusted", opencode with permission.bash "ask"); file writers only when no shell tool exists.
const PERMISSION_TOOLS = [
  'Bash',
  'run_shell_command',
  'shell',
  'shell_command',
  'exec_command',
  'bash',
  'write_file',
  'Write',
  'write',
];
const QUESTION_TOOLS = ['AskUserQuestion', 'ask_user', 'ask_user_question', 'request_user_input', 'question'];

export const MARKER_COMMAND = 'touch conformance-marker.txt';
export const QUESTION_TEXT = 'Which color should the marker file use?';

/** The tools a request declares, whatever the wire. */
export function declaredTools(wire: Wire, body: Record<string, unknown>): ToolDecl[] {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  const out: ToolDecl[] = [];
  for (const t of tools) {
    if (wire === 'anthropic' && typeof t.name === 'string')
      out.push({ name: t.name, schema: (t.input_schema ?? {}) as Schema });
    else if (wire === 'chat' && t.function && typeof t.function === 'object') {
      const f = t.function as Record<string, unknown>;
      out.push({ name: String(f.name), schema: (f.parameters ?? {}) as Schema });
    } else if (wire === 'responses' && typeof t.name === 'string')
      out.push({ name: t.name, schema: (t.parameters ?? {}) as Schema });
    else if (wire === 'gemini' && Array.isArray(t.functionDeclarations))
      for (const f of t.functionDeclarations as Record<string, unknown>[])
        out.push({ name: String(f.name), schema: (f.parametersJsonSchema ?? f.parameters ?? {}) as Schema });
  }
  return out;
}

/** The call to make for `purpose`, or null when the CLI declares no fitting tool. */
export function pickTool(tools: ToolDecl[], purpose: ToolPurpose, id: string): ToolCall | null {
  const wanted = purpose === 'permission' ? PERMISSION_TOOLS : QUESTION_TOOLS;
  for (const name of wanted) {
    const t = tools.find((d) => d.name === name);
    if (t) return { id, name: t.name, args: fill(t.schema, '', true) as Record<string, unknown> };
  }
  return null;
}

const typeOf = (s: Schema): string =>
  Array.isArray(s.type)
    ? (s.type.find((x) => x !== 'null') ?? 'string')
    : (s.type ?? (s.properties ? 'object' : 'string'));

// Values by field name: the same words whatever the vendor calls its container.
function fill(s: Schema, key: string, top = false): unknown {
  const k = key.toLowerCase();
  const type = typeOf(s);
  // codex asks only for a command that wants out of its sandbox, as a real model would request it.
  if (s.enum && s.enum.includes('require_escalated')) return 'require_escalated';
  if (s.enum && s.enum.length) return s.enum.includes('choice') ? 'choice' : s.enum[0];
  if (type === 'object') {
    const out: Record<string, unknown> = {};
    const props = s.properties ?? {};
    // Only what the schema requires, plus the command itself (some CLIs mark nothing required).
    const keys = Object.keys(props).filter(
      (p) =>
        (s.required ?? []).includes(p) ||
        [
          'command',
          'cmd',
          'description',
          'question',
          'questions',
          'options',
          'sandbox_permissions',
          'justification',
        ].includes(p),
    );
    for (const p of keys) out[p] = fill(props[p]!, p);
    return top || Object.keys(out).length ? out : {};
  }
  if (type === 'array') {
    if (k === 'command' || k === 'cmd') return ['bash', '-lc', MARKER_COMMAND];
    const item = s.items ?? { type: 'string' };
    if (k === 'options' || k === 'choices') {
      if (typeOf(item) === 'string') return ['Red', 'Blue'];
      return ['Red', 'Blue'].map((label) => ({
        ...(fill(item, 'option') as object),
        label,
        description: `Use ${label.toLowerCase()}`,
      }));
    }
    return [fill(item, k.replace(/s$/, ''))];
  }
  if (type === 'boolean') return false;
  if (type === 'number' || type === 'integer') return 1;
  if (k === 'command' || k === 'cmd') return MARKER_COMMAND;
  if (k === 'question' || k === 'prompt' || k === 'message') return QUESTION_TEXT;
  if (k === 'header') return 'Color';
  if (k === 'justification') return 'Create the marker file outside the sandbox?';
  if (k === 'id') return 'color';
  if (k === 'label') return 'Red';
  if (k.includes('path')) return 'conformance-marker.txt';
  if (k === 'content') return 'marker\n';
  return k === 'description' ? 'Create a marker file' : 'mock';
}

/** Whether the conversation already carries a tool's result (the CLI ran or refused the call). */
export function hasToolResult(wire: Wire, body: Record<string, unknown>): boolean {
  const s = JSON.stringify(
    wire === 'gemini'
      ? (body.contents ?? [])
      : wire === 'responses'
        ? (body.input ?? [])
        : (body.messages ?? []),
  );
  if (wire === 'anthropic') return s.includes('"type":"tool_result"');
  if (wire === 'responses')
    return s.includes('"type":"function_call_output"') || s.includes('"type":"custom_tool_call_output"');
  if (wire === 'chat') return s.includes('"role":"tool"');
  return s.includes('"functionResponse"');
}
