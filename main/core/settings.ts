// settings.json: schema, load, save. A broken or invalid file is an error value that names the file and
// the field (or the line and column of a JSON syntax error), never a crash; a missing file is defaults.
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { STATES, NAME_PATTERN } from '../common/workcell.js';
import { DEFAULT_NOTIFY_ON, NOTIFIER_TYPES, TURN_END } from '../common/notify.js';
import {
  DEFAULT_THRESHOLDS,
  TELEGRAM_DEFAULT_API_BASE,
  defaultSettings,
  type Settings,
} from '../common/settings.js';
import type { ControlDir } from './paths.js';
import { ok, err, type Result } from './result.js';

/** Checks an inline http(s) URL without ever echoing it: the URL is the credential for Slack. */
function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    // not a URL at all: reported by the caller as a schema issue (without the value)
    return false;
  }
}

const secret = z.union(
  [
    z.string().min(1),
    z.strictObject({ env: z.string().min(1) }),
    z.strictObject({ file: z.string().min(1) }),
  ],
  { error: 'expected a string, { "env": "VAR" } or { "file": "path" }' },
);
const urlSecret = secret.refine((s) => typeof s !== 'string' || isHttpUrl(s), {
  error: 'expected an http(s) URL (value not shown: it is a secret)',
});
const argv = z
  .array(z.string())
  .min(1, { error: 'expected a non-empty argv array, e.g. ["notify-me", "--flag"]' });
const on = z.array(z.enum([...STATES, TURN_END, 'network'])).default(() => [...DEFAULT_NOTIFY_ON]);
const base = { name: z.string().min(1).optional(), on };

const notifier = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('desktop'), ...base }),
    z.strictObject({ type: z.literal('slack'), ...base, url: urlSecret }),
    z.strictObject({
      type: z.literal('telegram'),
      ...base,
      token: secret,
      chatId: z
        .union([z.string().min(1), z.number().int()], { error: 'expected a chat id (string or integer)' })
        .transform(String),
      apiBase: z
        .string()
        .refine(isHttpUrl, { error: 'expected an http(s) URL' })
        .default(TELEGRAM_DEFAULT_API_BASE),
    }),
    z.strictObject({
      type: z.literal('webhook'),
      ...base,
      url: urlSecret,
      headers: z.record(z.string().min(1), secret).optional(),
    }),
    z.strictObject({ type: z.literal('command'), ...base, argv }),
    z.strictObject({ type: z.literal('openclaw'), ...base, argv: argv.optional() }),
  ],
  {
    error: (i) =>
      i.code === 'invalid_union' ? `expected type to be one of ${NOTIFIER_TYPES.join(', ')}` : undefined,
  },
);

export const settingsSchema = z.strictObject({
  notifiers: z.array(notifier).default([]),
  thresholds: z
    .strictObject({
      idleSeconds: z.number().positive().default(DEFAULT_THRESHOLDS.idleSeconds),
      stallSeconds: z.number().positive().default(DEFAULT_THRESHOLDS.stallSeconds),
    })
    .default(() => ({ ...DEFAULT_THRESHOLDS })),
  terminal: z.strictObject({ argv }).nullable().default(null),
  launchAtLogin: z.boolean().default(false),
  muted: z
    .array(z.string().regex(NAME_PATTERN, { error: 'expected a workcell name (a-z 0-9 _ -)' }))
    .default([]),
});

// The hand-written types in main/common (shared with the app) and the schema must agree both ways.
type Parsed = z.output<typeof settingsSchema>;
const _toCommon = (p: Parsed): Settings => p;
const _fromCommon = (s: Settings): Parsed => s;
void _toCommon;
void _fromCommon;

/** `notifiers[0].url` from ['notifiers', 0, 'url']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

/** Validates parsed JSON; each issue names its field path. */
export function parseSettings(data: unknown, file = 'settings.json'): Result<Settings> {
  const r = settingsSchema.safeParse(data);
  if (r.success) return ok(r.data);
  const issues = r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  return err('BAD_SETTINGS', `${file}: invalid settings: ${issues.join('; ')}`);
}

/** Loads $WORKCELLS_HOME/settings.json. Missing file: defaults. Anything else wrong: BAD_SETTINGS. */
export function loadSettings(dir: ControlDir): Result<Settings> {
  const file = dir.settings;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return ok(defaultSettings());
    return err('BAD_SETTINGS', `${file}: cannot read settings (${code ?? String(e)})`);
  }
  if (text.trim() === '') return ok(defaultSettings());
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const { line, column } = lineColumn(text, jsonErrorOffset(text));
    // The parser's own message can quote the file's text, which may hold a secret: keep only our position.
    void e;
    return err('BAD_SETTINGS', `${file}: invalid JSON at line ${line}, column ${column}`);
  }
  return parseSettings(data, file);
}

/** Writes settings.json atomically (temp file + fsync + rename), mode 0600 since it may hold secrets. */
export async function saveSettings(dir: ControlDir, settings: Settings): Promise<Result<void>> {
  const checked = parseSettings(settings, dir.settings);
  if (!checked.ok) return checked;
  try {
    mkdirSync(dirname(dir.settings), { recursive: true, mode: 0o700 });
    await writeFileAtomic(dir.settings, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    return ok(undefined);
  } catch (e) {
    return err(
      'NOT_WRITABLE',
      `${dir.settings}: cannot write settings (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Offset of the first JSON syntax error. V8's message carries a position only for some errors
 * ("Unexpected token '}', ... is not valid JSON" has none), so we find it with a small scanner. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const str = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length);
    throw at;
  }
}
