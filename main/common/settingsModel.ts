// Settings as the settings window (the app's, or the settings page in a browser through the bridge)
// sees them, and a window's patch applied back onto settings.json.
// Pure (no electron, no fs): storing a secret is passed in. The result is validated by the core's
// schema (main/core/settings.ts) before anything is written.
import {
  KEYCHAIN_ENV_PREFIX,
  SECRET_FIELDS,
  type NotifierPatch,
  type NotifierView,
  type SettingsPatch,
} from './ipc.js';
import { NOTIFIER_TYPES, type NotifierType } from './notify.js';
import { DEFAULT_SOUND_ON, SOUND_ON_VALUES } from './notifySound.js';
import type { NotifierSettings, Secret, Settings } from './settings.js';
import { TELEGRAM_DEFAULT_API_BASE } from './settings.js';
import { ATTACH_PREFIX_PATTERN, DEFAULT_ATTACH_PREFIX } from './attachPrefix.js';
import { err, type Result } from './result.js';
import { STATES } from './workcell.js';
import { z } from 'zod';

export type ModelResult<T> = Result<T>;
const bad = (message: string) => err('BAD_SETTINGS', message);

/** Stores a secret value and returns the reference settings.json will hold. */
export type StoreSecret = (value: string) => ModelResult<Secret>;

export function secretOf(n: NotifierSettings): Secret | null {
  if (n.type === 'slack' || n.type === 'webhook') return n.url;
  if (n.type === 'telegram') return n.token;
  return null;
}

/** Where a secret lives, for display: never its value. */
export function secretSource(s: Secret | null): string {
  if (s === null) return '';
  if (typeof s === 'string') return 'inline in settings.json';
  if ('env' in s) return s.env.startsWith(KEYCHAIN_ENV_PREFIX) ? 'app keychain' : `env ${s.env}`;
  return `file ${s.file}`;
}

export function isKeychainRef(s: Secret | null): s is { env: string } {
  return s !== null && typeof s === 'object' && 'env' in s && s.env.startsWith(KEYCHAIN_ENV_PREFIX);
}

export function notifierView(n: NotifierSettings): NotifierView {
  const fields: Record<string, string> = {};
  if (n.name) fields.name = n.name;
  if (n.type === 'telegram') {
    fields.chatId = n.chatId;
    fields.apiBase = n.apiBase;
  }
  if (n.type === 'command' || n.type === 'openclaw') fields.argv = (n.argv ?? []).join('\n');
  const secret = secretOf(n);
  return {
    type: n.type,
    on: [...n.on],
    fields,
    secretSet: secret !== null,
    secretSource: secretSource(secret),
    ...(n.type === 'desktop' ? { sound: [...(n.sound ?? DEFAULT_SOUND_ON)] } : {}),
  };
}

function argvField(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function buildNotifier(
  row: NotifierPatch,
  prev: NotifierSettings | undefined,
  index: number,
  storeSecret: StoreSecret,
): ModelResult<NotifierSettings> {
  if (!(NOTIFIER_TYPES as readonly string[]).includes(row.type))
    return bad(`notifier ${index + 1}: unknown type ${JSON.stringify(row.type)}`);
  const type = row.type as NotifierType;
  const same = prev?.type === type ? prev : undefined;
  const name = row.fields.name?.trim() || undefined;
  const base = { ...(name ? { name } : {}), on: [...row.on] };

  let secret: Secret | null = same ? secretOf(same) : null;
  if (row.clearSecret) secret = null;
  if (row.secret !== undefined && row.secret.trim() !== '') {
    const stored = storeSecret(row.secret.trim());
    if (!stored.ok) return stored;
    secret = stored.value;
  }
  const label = `notifier ${index + 1} (${type})`;
  const needSecret = (): ModelResult<Secret> =>
    secret === null
      ? bad(
          `${label}: needs its ${SECRET_FIELDS[type as keyof typeof SECRET_FIELDS]}: enter it in the secret field`,
        )
      : { ok: true, value: secret };

  switch (type) {
    case 'desktop': {
      // The window's list, else what the file had (absent stays absent: the default may improve).
      const sound = row.sound ?? (same?.type === 'desktop' ? same.sound : undefined);
      return { ok: true, value: { type, ...base, ...(sound ? { sound: [...sound] } : {}) } };
    }
    case 'slack': {
      const s = needSecret();
      return s.ok ? { ok: true, value: { type, ...base, url: s.value } } : s;
    }
    case 'webhook': {
      const s = needSecret();
      const headers = same?.type === 'webhook' ? same.headers : undefined;
      return s.ok ? { ok: true, value: { type, ...base, url: s.value, ...(headers ? { headers } : {}) } } : s;
    }
    case 'telegram': {
      const s = needSecret();
      if (!s.ok) return s;
      const chatId = row.fields.chatId?.trim() ?? '';
      if (chatId === '') return bad(`${label}: needs a chat id`);
      const apiBase = row.fields.apiBase?.trim() || TELEGRAM_DEFAULT_API_BASE;
      return { ok: true, value: { type, ...base, token: s.value, chatId, apiBase } };
    }
    case 'command': {
      const argv = argvField(row.fields.argv);
      if (argv.length === 0) return bad(`${label}: needs a command, one argument per line`);
      return { ok: true, value: { type, ...base, argv } };
    }
    case 'openclaw': {
      const argv = argvField(row.fields.argv);
      return { ok: true, value: { type, ...base, ...(argv.length > 0 ? { argv } : {}) } };
    }
  }
}

/** The settings with the window's patch applied. Fields the window does not edit (muted list, names,
 * webhook headers) are kept. Secrets that a row drops are returned so the caller can forget them. */
export function applyPatch(
  current: Settings,
  patch: SettingsPatch,
  storeSecret: StoreSecret,
): ModelResult<{ settings: Settings; droppedSecrets: string[] }> {
  const next: Settings = {
    ...current,
    notifiers: [...current.notifiers],
    thresholds: { ...current.thresholds },
  };
  if (patch.notifiers) {
    const built: NotifierSettings[] = [];
    for (const [i, row] of patch.notifiers.entries()) {
      const r = buildNotifier(row, current.notifiers[i], i, storeSecret);
      if (!r.ok) return r;
      built.push(r.value);
    }
    next.notifiers = built;
  }
  if (patch.thresholds) {
    const { idleSeconds, stallSeconds } = patch.thresholds;
    if (!(idleSeconds > 0) || !(stallSeconds > 0))
      return bad('thresholds: idle and stall seconds must be positive numbers');
    next.thresholds = { idleSeconds, stallSeconds };
  }
  if (patch.terminalArgv) {
    const argv = patch.terminalArgv.map((a) => a.trim()).filter((a) => a.length > 0);
    next.terminal = argv.length > 0 ? { argv } : null;
  }
  if (patch.launchAtLogin !== undefined) next.launchAtLogin = patch.launchAtLogin;
  if (patch.attachPrefix !== undefined) {
    const p = patch.attachPrefix.trim();
    if (p !== '' && !ATTACH_PREFIX_PATTERN.test(p))
      return bad(
        `attach prefix: ${JSON.stringify(p.slice(0, 20))} is not a tmux prefix key: use C-, M- or C-M- and one lowercase letter, digit, [ ] or \\ (e.g. C-a), or leave it empty for ${DEFAULT_ATTACH_PREFIX}`,
      );
    // Empty, or the default itself: the key leaves the file (the default may change; absent is C-b).
    if (p === '' || p === DEFAULT_ATTACH_PREFIX) delete next.attachPrefix;
    else next.attachPrefix = p;
  }

  const kept = new Set(
    next.notifiers
      .map(secretOf)
      .filter(isKeychainRef)
      .map((s) => s.env),
  );
  const droppedSecrets = current.notifiers
    .map(secretOf)
    .filter(isKeychainRef)
    .map((s) => s.env)
    .filter((env) => !kept.has(env));
  return { ok: true, value: { settings: next, droppedSecrets } };
}

/** The window is a renderer: its patch is checked at the IPC boundary before anything reads it. */
const patchSchema = z.strictObject({
  notifiers: z
    .array(
      z.strictObject({
        type: z.string(),
        on: z.array(z.enum(STATES)),
        fields: z.record(z.string(), z.string()),
        secret: z.string().max(4096).optional(),
        clearSecret: z.boolean().optional(),
        sound: z.array(z.enum(SOUND_ON_VALUES)).optional(),
      }),
    )
    .max(100)
    .optional(),
  thresholds: z.strictObject({ idleSeconds: z.number(), stallSeconds: z.number() }).optional(),
  terminalArgv: z.array(z.string()).max(100).optional(),
  launchAtLogin: z.boolean().optional(),
  attachPrefix: z.string().max(100).optional(),
});

export function parsePatch(data: unknown): ModelResult<SettingsPatch> {
  const r = patchSchema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  return bad(
    `settings window sent an invalid change: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
}
