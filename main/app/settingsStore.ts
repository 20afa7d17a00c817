// The settings window's backend: electron-store on the SAME $WORKCELLS_HOME/settings.json the CLI
// reads, validated by the core's schema before every write; secrets through safeStorage; launch at
// login through the OS. Reads go through the core's loader so a broken file is a message, not a crash.
import { safeStorage } from 'electron';
import Store from 'electron-store';
import type { IpcResult, SettingsPatch, SettingsView } from '../common/ipc.js';
import { defaultSettings, type Settings } from '../common/settings.js';
import type { ControlDir } from '../core/paths.js';
import { loadSettings, parseSettings } from '../core/settings.js';
import { getLaunchAtLogin, setLaunchAtLogin } from './loginItem.js';
import { SecretStore, type Cipher } from './secretStore.js';
import { applyPatch, notifierView, parsePatch } from '../common/settingsModel.js';
import { displayArgv, presetsFor } from './terminalCommand.js';

export const NO_KEYRING =
  'Secrets cannot be stored safely here: no OS keyring was found, so Electron would encrypt them with a ' +
  'hard-coded key. Install and unlock GNOME Keyring (libsecret) or KWallet and restart the app, or point ' +
  'settings.json at { "env": "VAR" } or { "file": "path" } yourself.';

/** safeStorage as a Cipher; only valid after app 'ready'. */
export const safeStorageCipher: Cipher = {
  unavailableReason() {
    if (!safeStorage.isEncryptionAvailable())
      return 'Secrets cannot be stored: OS encryption (safeStorage) is not available on this system.';
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text')
      return NO_KEYRING;
    return null;
  },
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (data) => safeStorage.decryptString(data),
};

export class SettingsStore {
  readonly secrets: SecretStore;

  constructor(
    private readonly dir: ControlDir,
    cipher: Cipher,
    /** Called after every successful save (the app refreshes the notifier env, login item...). */
    private readonly onSaved: (s: Settings) => void,
  ) {
    this.secrets = new SecretStore(dir.root, cipher);
  }

  load(): { settings: Settings; error: string | null } {
    const r = loadSettings(this.dir);
    return r.ok
      ? { settings: r.value, error: null }
      : { settings: defaultSettings(), error: r.error.message };
  }

  view(): SettingsView {
    const { settings, error } = this.load();
    const presets = presetsFor(process.platform);
    const argv = settings.terminal?.argv ?? [];
    return {
      path: this.dir.settings,
      notifiers: settings.notifiers.map(notifierView),
      thresholds: { ...settings.thresholds },
      terminalArgv: [...argv],
      terminalPresets: presets.map((p) => ({ label: p.label, argv: [...p.argv] })),
      terminalPreview: argv.length > 0 ? displayArgv(argv) : 'the first terminal found (see presets)',
      launchAtLogin: getLaunchAtLogin(),
      attachPrefix: settings.attachPrefix ?? '',
      secretsWarning: this.secrets.unavailableReason(),
      loadError: error,
    };
  }

  save(raw: unknown): IpcResult<SettingsView> {
    const patch = parsePatch(raw);
    if (!patch.ok) return patch;
    const current = loadSettings(this.dir);
    // Never overwrite a file we could not read: the user's broken edit would be lost.
    if (!current.ok) return current;
    const applied = applyPatch(current.value, patch.value as SettingsPatch, (value) => {
      const r = this.secrets.store(value);
      return r.ok ? { ok: true, value: { env: r.value } } : r;
    });
    if (!applied.ok) return applied;
    const checked = parseSettings(applied.value.settings, this.dir.settings);
    if (!checked.ok) return checked;
    try {
      // A fresh Store per write: it reads the file at construction, so a CLI edit in between is not
      // clobbered by a stale in-memory copy. 0600: the file may hold inline secrets the user typed.
      const store = new Store<Record<string, unknown>>({
        cwd: this.dir.root,
        name: 'settings',
        configFileMode: 0o600,
        accessPropertiesByDotNotation: false,
        clearInvalidConfig: false,
      });
      store.store = checked.value as unknown as Record<string, unknown>;
    } catch (e) {
      return {
        ok: false,
        error: {
          code: 'NOT_WRITABLE',
          message: `${this.dir.settings}: cannot write settings (${(e as Error).message})`,
        },
      };
    }
    const forgot = this.secrets.forget(applied.value.droppedSecrets);
    if (!forgot.ok) return forgot;
    if (patch.value.launchAtLogin !== undefined) {
      try {
        setLaunchAtLogin(patch.value.launchAtLogin);
      } catch (e) {
        // ~/.config/autostart not writable (Linux): settings are saved, the login item is not
        return {
          ok: false,
          error: {
            code: 'NOT_WRITABLE',
            message: `settings saved, but launch at login could not be set: ${(e as Error).message}`,
          },
        };
      }
    }
    this.onSaved(checked.value);
    return { ok: true, value: this.view() };
  }
}
