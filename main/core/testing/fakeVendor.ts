// A fake vendor CLI for continuity tests: behaves like claude / codex / gemini / copilot / opencode
// where session ids are concerned (what they accept, where they write the transcript, what they
// refuse), and like Claude's hooks (SessionStart with `source`, SessionEnd, PreToolUse with a command).
// Usage (through a shim named like the vendor): node fakeVendor.js VENDOR [vendor flags...]
// stdin lines (interactive): `/clear` switches session (SessionEnd, then SessionStart source clear),
// `bash CMD` records a tool call, `exit` ends with 0, anything else is a turn appended to the transcript.
// The launch prompt is the first turn; a resumed session redraws its earlier turns (`> text`) as the real
// TUIs do, above its session line (which stays on a small pane's screen). FAKE_QUIET_RESUME=1: a resume fires no hook and writes nothing (only the screen shows it).
// FAKE_DIALOG=1 (every start) or =resume (a resume only) prints Claude's resume-from-summary dialog.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promptOf } from '../continuity/screenMarks.js';

const [vendor = 'claude', ...args] = process.argv.slice(2);
const cwd = process.cwd();
const home = process.env.HOME ?? homedir();
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const has = (name: string) => args.includes(name);
const die = (msg: string): never => {
  process.stdout.write(`${msg}\n`);
  process.exit(1);
};

function transcriptOf(id: string): string {
  switch (vendor) {
    case 'claude': {
      const root = process.env.CLAUDE_CONFIG_DIR || join(home, '.claude');
      return join(root, 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'), `${id}.jsonl`);
    }
    case 'codex': {
      const root = join(process.env.CODEX_HOME || join(home, '.codex'), 'sessions');
      const d = new Date();
      const p = (n: number) => String(n).padStart(2, '0');
      const day = join(root, String(d.getFullYear()), p(d.getMonth() + 1), p(d.getDate()));
      const found = existsSync(day) ? readdirSync(day).find((n) => n.endsWith(`-${id}.jsonl`)) : undefined;
      return join(day, found ?? `rollout-${d.toISOString().slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`);
    }
    case 'gemini':
      return join(home, '.gemini', 'tmp', 'proj', 'chats', `session-2026-01-01T00-00-${id.slice(0, 8)}.json`);
    case 'copilot':
      return join(home, '.copilot', 'session-state', id, 'events.jsonl');
    default:
      return join(home, '.local', 'share', 'opencode', 'storage', 'session', 'info', `${id}.json`);
  }
}
function findAny(id: string): boolean {
  if (vendor !== 'codex') return existsSync(transcriptOf(id));
  const root = join(process.env.CODEX_HOME || join(home, '.codex'), 'sessions');
  const walk = (d: string): boolean =>
    existsSync(d) &&
    readdirSync(d, { withFileTypes: true }).some((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(`-${id}.jsonl`),
    );
  return walk(root);
}
function write(id: string, line: object): void {
  const f = transcriptOf(id);
  mkdirSync(join(f, '..'), { recursive: true });
  const first = !existsSync(f);
  if (vendor === 'codex' && first)
    appendFileSync(f, `${JSON.stringify({ type: 'session_meta', payload: { id, cwd } })}\n`);
  if (vendor === 'gemini' && first) appendFileSync(f, `${JSON.stringify({ sessionId: id })}\n`);
  if (vendor === 'opencode' && first)
    appendFileSync(f, JSON.stringify({ id, directory: cwd, time: { created: Date.now() } }));
  if (vendor !== 'opencode') appendFileSync(f, `${JSON.stringify(line)}\n`);
}

// Claude-style hooks: the command from --settings, run by sh with the JSON payload on stdin.
function hook(event: string, payload: object): void {
  const settings = flag('--settings');
  if (!settings) return;
  const cfg = JSON.parse(readFileSync(settings, 'utf8')) as {
    hooks?: Record<string, { hooks: { command: string }[] }[]>;
  };
  const cmd = cfg.hooks?.[event]?.[0]?.hooks[0]?.command;
  if (cmd)
    execFileSync('/bin/sh', ['-c', cmd], { input: JSON.stringify({ hook_event_name: event, ...payload }) });
}

let id: string;
let source = 'startup';
const resumeId =
  vendor === 'codex'
    ? args[0] === 'resume'
      ? args.at(-1)
      : undefined
    : vendor === 'opencode'
      ? flag('--session')
      : flag('--resume');
if (resumeId) {
  if (!findAny(resumeId)) die(`No conversation found with session ID: ${resumeId}`);
  id = resumeId;
  source = 'resume';
} else {
  const chosen = vendor === 'codex' || vendor === 'opencode' ? undefined : flag('--session-id');
  if (chosen && vendor === 'claude' && findAny(chosen)) die(`Error: Session ID ${chosen} is already in use.`);
  id = chosen ?? randomUUID();
}
const quiet = source === 'resume' && process.env.FAKE_QUIET_RESUME === '1';
if (!quiet) {
  write(id, { type: 'start', source, model: flag('--model') ?? null });
  hook('SessionStart', { session_id: id, source });
}
const prompt = source === 'resume' ? null : promptOf([vendor, ...args]);
if (source === 'resume' && vendor !== 'opencode')
  for (const l of readFileSync(transcriptOf(id), 'utf8').split('\n')) {
    const turn = l ? (JSON.parse(l) as { type?: string; text?: string }) : {};
    if (turn.type === 'user') process.stdout.write(`${turn.text!.replace(/^/gm, '> ')}\n`);
  }
process.stdout.write(`fake-${vendor} session ${id} source ${source} model ${flag('--model') ?? 'default'}\n`);
if (prompt) write(id, { type: 'user', text: prompt });
if (process.env.FAKE_DIALOG === '1' || (process.env.FAKE_DIALOG === 'resume' && source === 'resume'))
  process.stdout.write('Resume from summary (recommended) or resume full session?\n');
if (has('-p') || has('--prompt') || args.some((a) => a.startsWith('--prompt='))) process.exit(0);

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const t = line.trim();
  if (t === 'exit') process.exit(Number(process.env.FAKE_EXIT ?? 0));
  if (t === '/clear') {
    hook('SessionEnd', { session_id: id, reason: 'clear' });
    id = randomUUID();
    write(id, { type: 'start', source: 'clear' });
    hook('SessionStart', { session_id: id, source: 'clear' });
    process.stdout.write(`switched to ${id}\n`);
    return;
  }
  if (t.startsWith('bash ')) {
    hook('PreToolUse', { session_id: id, tool_name: 'Bash', tool_input: { command: t.slice(5) } });
    execFileSync('/bin/sh', ['-c', t.slice(5)], { stdio: 'ignore' });
  }
  write(id, { type: 'user', text: t });
  process.stdout.write(`ok: ${t}\n`);
});
