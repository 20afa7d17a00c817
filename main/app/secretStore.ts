// Secrets the settings window stores (Slack webhook URL, Telegram token), encrypted with Electron's
// safeStorage (OS keychain key) in $WORKCELLS_HOME/secrets.enc.json, mode 0600. settings.json only
// holds `{ "env": "WORKCELL_KEYCHAIN_<ID>" }`; the app's notifiers decrypt at send time (wiring.ts),
// never into a process environment (agents started by the supervisor would inherit it).
// No electron import: the cipher is passed in, so this runs under plain node in tests.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { KEYCHAIN_ENV_PREFIX } from '../common/ipc.js';
import { err, type Result } from '../common/result.js';

export interface Cipher {
  /** null when encryption is trustworthy; otherwise the warning the settings window shows. */
  unavailableReason(): string | null;
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

interface SecretsFile {
  version: 1;
  /** env name -> base64 ciphertext */
  secrets: Record<string, string>;
}

export type SecretResult<T> = Result<T>;
const fail = (message: string) => err('NOT_WRITABLE', message);

export const SECRETS_FILE = 'secrets.enc.json';

export class SecretStore {
  readonly path: string;

  constructor(
    root: string,
    private readonly cipher: Cipher,
  ) {
    this.path = join(root, SECRETS_FILE);
  }

  unavailableReason(): string | null {
    return this.cipher.unavailableReason();
  }

  private read(): SecretsFile {
    try {
      const data = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<SecretsFile>;
      if (data && typeof data.secrets === 'object' && data.secrets !== null)
        return { version: 1, secrets: { ...data.secrets } };
    } catch {
      // missing (nothing stored yet) or corrupt: start empty; a corrupt file is overwritten on the next store
    }
    return { version: 1, secrets: {} };
  }

  private write(file: SecretsFile): SecretResult<void> {
    try {
      writeFileAtomic.sync(this.path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      return { ok: true, value: undefined };
    } catch (e) {
      return fail(`${this.path}: cannot write secrets (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }

  /** Encrypts and stores a value; returns the env name settings.json refers to. */
  store(value: string): SecretResult<string> {
    const reason = this.cipher.unavailableReason();
    if (reason) return { ok: false, error: { code: 'BAD_SETTINGS', message: reason } };
    const file = this.read();
    const env = `${KEYCHAIN_ENV_PREFIX}${randomBytes(6).toString('hex').toUpperCase()}`;
    file.secrets[env] = this.cipher.encrypt(value).toString('base64');
    const w = this.write(file);
    return w.ok ? { ok: true, value: env } : w;
  }

  forget(envNames: readonly string[]): SecretResult<void> {
    if (envNames.length === 0) return { ok: true, value: undefined };
    const file = this.read();
    for (const e of envNames) delete file.secrets[e];
    return this.write(file);
  }

  /** One secret, decrypted at send time; null when missing or undecryptable (the OS keychain key
   * changed, or the file was copied from another machine). */
  get(envName: string): string | null {
    if (this.cipher.unavailableReason()) return null;
    const b64 = this.read().secrets[envName];
    if (b64 === undefined) return null;
    try {
      return this.cipher.decrypt(Buffer.from(b64, 'base64'));
    } catch {
      // undecryptable: reported by the caller as "set it again in Settings"
      return null;
    }
  }

  /** Every secret decrypted (tests, diagnostics). Undecryptable entries are left out. */
  env(): Record<string, string> {
    if (this.cipher.unavailableReason()) return {};
    const out: Record<string, string> = {};
    for (const [name, b64] of Object.entries(this.read().secrets)) {
      try {
        out[name] = this.cipher.decrypt(Buffer.from(b64, 'base64'));
      } catch {
        // the OS keychain key changed or the entry is corrupt: left out, see above
      }
    }
    return out;
  }
}
