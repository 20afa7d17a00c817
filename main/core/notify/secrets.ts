// Secrets (webhook URLs, bot tokens) are resolved at send time and remembered by a Redactor, which
// scrubs them from every error message, event and log line before it leaves the dispatcher.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Result } from '../../common/result.js';
import type { Secret, Settings } from '../../common/settings.js';

export const REDACTED = '[redacted]';

export class Redactor {
  private readonly values = new Set<string>();

  add(value: string): void {
    // An empty string would match everywhere; there is nothing to hide in it.
    if (value.length > 0) this.values.add(value);
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

export function makeSecretResolver(
  env: NodeJS.ProcessEnv,
  baseDir: string,
  redactor = new Redactor(),
): SecretResolver {
  return {
    redactor,
    async resolve(secret, field) {
      let value: string;
      if (typeof secret === 'string') {
        value = secret;
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
