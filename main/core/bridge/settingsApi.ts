// GET / POST /api/settings: the settings page in a plain browser (the app's Settings window uses IPC,
// main/app/settingsStore.ts). Same file, same model (main/common/settingsModel.ts), same schema
// (main/core/settings.ts). Secrets are never sent to the page, only where they live (`env NAME`,
// `file PATH`, `app keychain`); and the page cannot store one, since the keychain is the app's: it may
// point a notifier at `env:NAME` or `file:/path`, never send the value itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROUTES } from '../../common/bridge.js';
import type { SettingsView } from '../../common/ipc.js';
import { defaultSettings, type Secret } from '../../common/settings.js';
import { applyPatch, notifierView, parsePatch } from '../../common/settingsModel.js';
import { shQuote } from '../../common/shellQuote.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { loadSettings, saveSettings } from '../settings.js';
import { readBody, sendJson } from './api.js';

export const BROWSER_SECRETS =
  'In a browser a secret is given as a reference: type env:NAME (an environment variable of the supervisor) or file:/path (a file only you can read) in its field. To store the value itself, encrypted, use the desktop app’s Settings window.';

/** A secret typed in the browser page: a reference, never a value. */
export function browserSecret(text: string): Result<Secret> {
  const env = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
  if (env) return ok({ env: env[1]! });
  const file = /^file:(\/.+)$/.exec(text);
  if (file) return ok({ file: file[1]! });
  return err(
    'BAD_SETTINGS',
    'a secret’s value is not sent from a browser: type env:NAME or file:/absolute/path, or use the desktop app’s Settings window',
  );
}

export function settingsView(dir: ControlDir): SettingsView {
  const r = loadSettings(dir);
  const settings = r.ok ? r.value : defaultSettings();
  const argv = settings.terminal?.argv ?? [];
  return {
    path: dir.settings,
    notifiers: settings.notifiers.map(notifierView),
    thresholds: { ...settings.thresholds },
    terminalArgv: [...argv],
    // Presets and the detected terminal are the app's (it knows the desktop); the argv is the file's.
    terminalPresets: [],
    terminalPreview: argv.length > 0 ? argv.map(shQuote).join(' ') : 'the first terminal found',
    launchAtLogin: settings.launchAtLogin,
    attachPrefix: settings.attachPrefix ?? '',
    secretsWarning: BROWSER_SECRETS,
    loadError: r.ok ? null : r.error.message,
  };
}

export async function saveFromBrowser(dir: ControlDir, raw: unknown): Promise<Result<SettingsView>> {
  const patch = parsePatch(raw);
  if (!patch.ok) return patch;
  if (patch.value.launchAtLogin !== undefined)
    return err('BAD_SETTINGS', 'launch at login is set in the desktop app’s Settings window');
  const current = loadSettings(dir);
  // Never overwrite a file we could not read: the user's broken edit would be lost.
  if (!current.ok) return current;
  const applied = applyPatch(current.value, patch.value, browserSecret);
  if (!applied.ok) return applied;
  if (applied.value.droppedSecrets.length > 0)
    return err(
      'BAD_SETTINGS',
      'a secret kept in the app keychain is removed in the desktop app’s Settings window (the browser cannot reach the keychain)',
    );
  const saved = await saveSettings(dir, applied.value.settings);
  return saved.ok ? ok(settingsView(dir)) : saved;
}

/** Handles /api/settings; false for any other path. Behind the bridge's token and Origin checks. */
export async function handleSettingsApi(
  dir: ControlDir,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (path !== ROUTES.settings) return false;
  if (req.method === 'GET') return (sendJson(res, ok(settingsView(dir))), true);
  if (req.method !== 'POST') return false;
  const body = await readBody(req);
  sendJson(res, body.ok ? await saveFromBrowser(dir, body.value) : body);
  return true;
}
