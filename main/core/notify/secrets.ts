// Secrets (webhook URLs, bot tokens) are resolved at send time and remembered by a Redactor, which
// scrubs them from every error message, event and log line before it leaves the dispatcher.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { KEYCHAIN_ENV_PREFIX } from '../../common/ipc.js';
import type { Result } from '../../common/result.js';
import type { Secret, Settings } from '../../common/settings.js';

export const REDACTED = '[redacted]';

// A piece of a URL shorter than this is not worth hiding: `/api` in every message would go too.
const MIN_URL_PIECE = 6;

/** The forms in which a secret value comes back in an error. For a URL (a Slack or webhook URL, whose
 * path IS the credential) that is also its path and query as a server echoes them ("no route for
 * /services/T0/B0/XYZ"): whole, from each later segment on, percent-decoded and JSON-escaped (`\/`).
 * Pieces without a `/` inside, or shorter than MIN_URL_PIECE, are left out unless they are the whole
 * path: a lone word like `notify` would vanish from every message. */
export function secretForms(value: string): string[] {
  // An empty string would match everywhere; there is nothing to hide in it.
  if (value.length === 0) return [];
  const forms = new Set<string>([value]);
  let url: URL | null = null;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? new URL(value) : null;
  } catch {
    // not a URL: the value alone is the secret
  }
  if (!url) return [...forms];
  const segments = url.pathname.split('/').slice(1);
  const pieces: string[] = [];
  if (url.pathname.length > 1) pieces.push(url.pathname);
  for (let i = 1; i < segments.length - 1; i++) pieces.push(`/${segments.slice(i).join('/')}`);
  if (url.search.length > 1) pieces.push(url.pathname + url.search, url.search);
  for (const p of pieces) {
    let decoded = p;
    try {
      decoded = decodeURIComponent(p);
    } catch {
      // a malformed escape: the encoded form is the one a server echoes
    }
    for (const f of [p, decoded]) {
      const bare = f.slice(1);
      for (const g of [f, f.replace(/\//g, '\\/'), ...(bare.includes('/') ? [bare] : [])])
        if (g.length >= MIN_URL_PIECE || f === url.pathname) forms.add(g);
    }
  }
  return [...forms];
}

/** The one redaction for everything we write (events.jsonl, the dashboard API, logs, `--json`):
 * every secret the notifiers use, in each of its secretForms, becomes REDACTED. */
export class Redactor {
  private readonly values = new Set<string>();

  add(value: string): void {
    for (const f of secretForms(value)) this.values.add(f);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a token inside a URL does not leave the rest of the URL behind.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED);
    return out;
  }
}

/** The error is a message naming the field and the source, never the value. */
export type SecretResult = Result<string, string>;

export interface SecretResolver {
  resolve(secret: Secret, field: string): Promise<SecretResult>;
  readonly redactor: Redactor;
}

/** Secrets the desktop app stored in its keychain (`{ "env": "WORKCELL_KEYCHAIN_<ID>" }`), as the app
 * handed them to the daemon; null = not handed over (the app has not run since the daemon started). */
export type Keychain = (name: string) => string | null;

export function makeSecretResolver(
  env: NodeJS.ProcessEnv,
  baseDir: string,
  redactor = new Redactor(),
  keychain?: Keychain,
): SecretResolver {
  return {
    redactor,
    async resolve(secret, field) {
      let value: string;
      if (typeof secret === 'string') {
        value = secret;
      } else if ('env' in secret && secret.env.startsWith(KEYCHAIN_ENV_PREFIX) && !env[secret.env]) {
        const v = keychain?.(secret.env) ?? null;
        if (v === null)
          return {
            ok: false,
            error: `${field}: this secret is in the desktop app's keychain, which only the app can unlock: start the app once (it hands its secrets to the supervisor), or store the secret in a file ({"file": "~/.config/workcell/..."})`,
          };
        value = v;
      } else if ('env' in secret) {
        const v = env[secret.env];
        if (v === undefined || v.trim() === '') {
          return { ok: false, error: `${field}: environment variable ${secret.env} is not set` };
        }
        value = v.trim();
      } else {
        const path = expandPath(secret.file, env, baseDir);
        try {
          value = (await readFile(path, 'utf8')).trim();
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
          return { ok: false, error: `${field}: cannot read secret file ${path} (${code})` };
        }
        if (value === '') return { ok: false, error: `${field}: secret file ${path} is empty` };
      }
      redactor.add(value);
      return { ok: true, value };
    },
  };
}

/** `~/x` is the home directory; a relative path is relative to the control directory. */
export function expandPath(p: string, env: NodeJS.ProcessEnv, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return join(env.HOME ?? homedir(), p.slice(1));
  return isAbsolute(p) ? p : join(baseDir, p);
}

/** Registers every inline secret up front, so even an error raised before a send is scrubbed. */
export function registerInlineSecrets(settings: Settings, redactor: Redactor): void {
  for (const n of settings.notifiers) {
    const secrets: Secret[] = [];
    if (n.type === 'slack') secrets.push(n.url);
    if (n.type === 'telegram') secrets.push(n.token);
    if (n.type === 'webhook') secrets.push(n.url, ...Object.values(n.headers ?? {}));
    for (const s of secrets) if (typeof s === 'string') redactor.add(s);
  }
}
