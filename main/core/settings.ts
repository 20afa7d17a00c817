// settings.json: schema, load, save. A broken or invalid file is an error value that names the file and
// the field (or the line and column of a JSON syntax error), never a crash; a missing file is defaults.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { STATES, NAME_PATTERN } from '../common/workcell.js';
import {
  DEFAULT_NOTIFY_ON,
  ERROR_REASONS,
  NOTIFIER_TYPES,
  OVER_RESOURCES,
  STALE,
  TURN_END,
} from '../common/notify.js';
import {
  DEFAULT_LIMITS,
  DEFAULT_THRESHOLDS,
  TELEGRAM_DEFAULT_API_BASE,
  VERIFY_AT,
  defaultSettings,
  type Settings,
} from '../common/settings.js';
import { VERIFY_FAILED } from '../common/notifySound.js';
import { ATTACH_PREFIX_PATTERN } from './attachKeys.js';
import type { ControlDir } from './paths.js';
import { ok, err, type Result } from './result.js';
import { parseJsonText, readSettingsText, type FileStamp } from './settingsJson.js';

// Re-exported: callers and tests have always found the JSON position helpers here.
export { jsonErrorOffset, lineColumn } from './settingsJson.js';

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
const on = z
  .array(z.enum([...STATES, TURN_END, STALE, OVER_RESOURCES, ...ERROR_REASONS]))
  .default(() => [...DEFAULT_NOTIFY_ON]);
const base = { name: z.string().min(1).optional(), on };

const notifier = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('desktop'),
      ...base,
      sound: z
        .array(z.enum([...STATES, TURN_END, STALE, OVER_RESOURCES, ...ERROR_REASONS, VERIFY_FAILED]))
        .optional(),
    }),
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
      staleHours: z.number().positive().optional(),
      staleHoursFor: z.record(z.string().regex(NAME_PATTERN), z.number().positive()).optional(),
    })
    .default(() => ({ ...DEFAULT_THRESHOLDS })),
  verifyAt: z.enum(VERIFY_AT).default('both'),
  verifyTimeoutSeconds: z.number().positive().default(DEFAULT_LIMITS.verifyTimeoutSeconds),
  agentLogMaxMB: z.number().positive().default(DEFAULT_LIMITS.agentLogMaxMB),
  terminal: z.strictObject({ argv }).nullable().default(null),
  launchAtLogin: z.boolean().default(false),
  journalNotesDir: z.string().min(1).nullable().default(null),
  attachPrefix: z
    .string()
    .regex(ATTACH_PREFIX_PATTERN, { error: 'expected a tmux prefix key such as "C-a" or "M-b"' })
    .optional(),
  muted: z
    .array(z.string().regex(NAME_PATTERN, { error: 'expected a workcell name (a-z 0-9 _ -)' }))
    .default([]),
  resources: z
    .strictObject({
      cpuPercent: z.number().positive().optional(),
      rssMb: z.number().positive().optional(),
    })
    .optional(),
  recovery: z
    .strictObject({
      policy: z.enum(['auto', 'suggest', 'off']).optional(),
      restartsPer5Min: z.number().int().min(0).optional(),
      homePerMinute: z.number().int().min(0).optional(),
      jitterSeconds: z.number().min(0).optional(),
      staggerSeconds: z.number().min(0).optional(),
    })
    .optional(),
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

/** Loads $WORKCELLS_HOME/settings.json. Missing or empty file: defaults. Anything else wrong: BAD_SETTINGS
 * naming the file and the line/column or field. For callers that load once; long-running processes use
 * SettingsWatcher (settingsWatcher.ts), which keeps the last good settings while the file is broken. */
export function loadSettings(dir: ControlDir): Result<Settings> {
  return loadSettingsStamped(dir).result;
}

/** loadSettings plus the stamp of the version it read (null when absent or unreadable). */
export function loadSettingsStamped(dir: ControlDir): { result: Result<Settings>; stamp: FileStamp | null } {
  const file = dir.settings;
  const read = readSettingsText(file);
  if (read.kind === 'absent') return { result: ok(defaultSettings()), stamp: null };
  if (read.kind === 'unreadable')
    return { result: err('BAD_SETTINGS', `${file}: cannot read settings (${read.code})`), stamp: null };
  const data = parseJsonText(read.text, file);
  return { result: data.ok ? parseSettings(data.value, file) : data, stamp: read.stamp };
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
