// The Settings window: in the app it reads and saves through window.workcellApp (preload); in a plain
// browser through the bridge's /api/settings with the dashboard tab's token (tokenShare.ts). Both
// validate with the core's schema. DOM built with textContent, never innerHTML: values are user text.
import {
  SECRET_FIELDS,
  type NotifierPatch,
  type SettingsPatch,
  type NotifierView,
  type SettingsView,
} from '../../main/common/ipc.js';
import { NOTIFIER_TYPES, DEFAULT_NOTIFY_ON } from '../../main/common/notify.js';
import { STATES, type WorkcellState } from '../../main/common/workcell.js';
import { DEFAULT_SOUND_ON, VERIFY_FAILED, type SoundOn } from '../../main/common/notifySound.js';

/** The sound choices the page offers: what needs the user, then what usually does not. */
const SOUND_OFFERED: readonly SoundOn[] = [
  'waiting',
  'failed',
  VERIFY_FAILED,
  'auth_failed',
  'rate_limited',
  'stalled',
  'done',
  'vanished',
];
import type { Result } from '../../main/common/result.js';
import { appApi } from '../lib/appApi.js';
import { api as bridgeApi, keepToken, tabToken } from '../lib/bridgeClient.js';
import { askForToken } from '../lib/tokenShare.js';

interface Backend {
  getSettings(): Promise<SettingsView | string>;
  saveSettings(patch: SettingsPatch): Promise<Result<SettingsView>>;
  /** Launch at login is the app's (the OS login item); a browser page hides it. */
  inApp: boolean;
}

/** The app's preload, else the bridge with a token borrowed from an open dashboard tab; a string says
 * why there is none. */
async function backend(): Promise<Backend | string> {
  const app = appApi();
  if (app)
    return { getSettings: () => app.getSettings(), saveSettings: (p) => app.saveSettings(p), inApp: true };
  if (!tabToken()) {
    const token = await askForToken();
    if (!token)
      return 'Open the dashboard from `workcell ui` first, then open Settings from it (⚙): this tab has no access token.';
    keepToken(token);
  }
  return {
    getSettings: async () => {
      const r = await bridgeApi.settings();
      return r.ok ? r.value : r.error.message;
    },
    saveSettings: (p) => bridgeApi.saveSettings(p),
    inApp: false,
  };
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...kids: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}
function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`settings.html is missing #${id}`);
  return e as T;
}
function testId<T extends HTMLElement>(e: T, id: string): T {
  e.dataset.testid = id;
  return e;
}

/** Plain-text fields each type has besides its secret (names match NotifierView.fields). */
const FIELDS: Record<string, { key: string; label: string; multiline?: boolean }[]> = {
  desktop: [],
  slack: [],
  webhook: [],
  telegram: [
    { key: 'chatId', label: 'Chat id' },
    { key: 'apiBase', label: 'API base (optional)' },
  ],
  command: [{ key: 'argv', label: 'Command, one argument per line', multiline: true }],
  openclaw: [
    {
      key: 'argv',
      label: 'Command (optional), one argument per line; {text} is the message',
      multiline: true,
    },
  ],
};

interface Row {
  node: HTMLElement;
  read(): NotifierPatch;
}

function notifierRow(view: NotifierView, index: number, remove: (r: Row) => void): Row {
  const typeSelect = testId(el('select'), `notifier-type-${index}`);
  for (const t of NOTIFIER_TYPES)
    typeSelect.append(el('option', { value: t, textContent: t, selected: t === view.type }));
  const states = el('div', { className: 'states' });
  const boxes = new Map<WorkcellState, HTMLInputElement>();
  for (const s of STATES) {
    const box = el('input', { type: 'checkbox', checked: view.on.includes(s) });
    boxes.set(s, box);
    states.append(el('label', {}, box, s.replace('_', '-')));
  }
  // Desktop bubbles: which ones ring (notifySound.ts). Values the page does not offer are kept.
  const soundBox = testId(el('div', { className: 'states sound' }), `notifier-sound-${index}`);
  const soundBoxes = new Map<SoundOn, HTMLInputElement>();
  const soundNow = view.sound ?? [...DEFAULT_SOUND_ON];
  soundBox.append(el('span', { textContent: 'Sound for: ' }));
  for (const s of SOUND_OFFERED) {
    const box = el('input', { type: 'checkbox', checked: soundNow.includes(s) });
    soundBoxes.set(s, box);
    soundBox.append(el('label', {}, box, s.replace('_', '-')));
  }
  const nameInput = el('input', { value: view.fields.name ?? '', placeholder: 'optional label' });
  const fieldsBox = el('div');
  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  const secretInput = testId(
    el('input', { type: 'password', autocomplete: 'off' }),
    `notifier-secret-${index}`,
  );
  const forget = el('input', { type: 'checkbox' });

  const renderFields = (): void => {
    const type = typeSelect.value;
    fieldsBox.replaceChildren();
    inputs.clear();
    for (const f of FIELDS[type] ?? []) {
      const input = f.multiline
        ? el('textarea', { rows: 3, value: view.fields[f.key] ?? '' })
        : el('input', { value: view.fields[f.key] ?? '' });
      inputs.set(f.key, input);
      fieldsBox.append(el('label', {}, `${f.label} `, input));
    }
    const secretField = SECRET_FIELDS[type as keyof typeof SECRET_FIELDS] as string | undefined;
    if (secretField) {
      const stored =
        view.type === type && view.secretSet ? `stored (${view.secretSource}); type to replace` : 'not set';
      secretInput.placeholder = stored;
      fieldsBox.append(el('label', {}, `Secret ${secretField === 'url' ? 'URL' : 'token'} `, secretInput));
      if (view.type === type && view.secretSet)
        fieldsBox.append(el('label', {}, forget, ' forget the stored secret'));
    }
  };
  // Inline style: the .states class sets display, which would override the hidden attribute.
  const showSound = (): void => void (soundBox.style.display = typeSelect.value === 'desktop' ? '' : 'none');
  typeSelect.addEventListener('change', renderFields);
  typeSelect.addEventListener('change', showSound);
  renderFields();
  showSound();

  const removeBtn = el('button', { type: 'button', textContent: 'Remove' });
  const node = testId(
    el(
      'div',
      { className: 'notifier' },
      el('header', {}, typeSelect, nameInput, removeBtn),
      states,
      soundBox,
      fieldsBox,
    ),
    `notifier-${index}`,
  );
  const row: Row = {
    node,
    read() {
      const fields: Record<string, string> = {};
      if (nameInput.value.trim()) fields.name = nameInput.value.trim();
      for (const [k, input] of inputs) fields[k] = input.value;
      const on = STATES.filter((s) => boxes.get(s)?.checked);
      return {
        type: typeSelect.value,
        on,
        fields,
        ...(secretInput.value ? { secret: secretInput.value } : {}),
        ...(forget.checked ? { clearSecret: true } : {}),
        ...(typeSelect.value === 'desktop'
          ? {
              sound: [
                ...SOUND_OFFERED.filter((s) => soundBoxes.get(s)?.checked),
                ...soundNow.filter((s) => !SOUND_OFFERED.includes(s)),
              ],
            }
          : {}),
      };
    },
  };
  removeBtn.addEventListener('click', () => remove(row));
  return row;
}

let rows: Row[] = [];

function render(v: SettingsView): void {
  const path = document.querySelector<HTMLElement>('[data-testid="settings-path"]');
  if (path) path.textContent = v.path;
  const loadError = document.querySelector<HTMLElement>('[data-testid="settings-load-error"]');
  if (loadError) {
    loadError.hidden = v.loadError === null;
    loadError.textContent = v.loadError
      ? `${v.loadError}. Fix the file (or remove it) before saving here.`
      : '';
  }
  const warn = document.querySelector<HTMLElement>('[data-testid="secrets-warning"]');
  if (warn) {
    warn.hidden = v.secretsWarning === null;
    warn.textContent = v.secretsWarning ?? '';
  }
  const list = byId('notifiers');
  const remove = (r: Row): void => {
    rows = rows.filter((x) => x !== r);
    r.node.remove();
  };
  rows = v.notifiers.map((n, i) => notifierRow(n, i, remove));
  list.replaceChildren(...rows.map((r) => r.node));
  byId<HTMLInputElement>('idle').value = String(v.thresholds.idleSeconds);
  byId<HTMLInputElement>('stall').value = String(v.thresholds.stallSeconds);
  byId<HTMLTextAreaElement>('terminal-argv').value = v.terminalArgv.join('\n');
  byId('terminal-preview').textContent = v.terminalPreview;
  const presets = byId<HTMLSelectElement>('terminal-preset');
  presets.replaceChildren(
    el('option', { value: '', textContent: 'Detect (default)' }),
    ...v.terminalPresets.map((p, i) => el('option', { value: String(i), textContent: p.label })),
  );
  presets.onchange = () => {
    const p = v.terminalPresets[Number(presets.value)];
    byId<HTMLTextAreaElement>('terminal-argv').value = presets.value === '' || !p ? '' : p.argv.join('\n');
  };
  byId<HTMLInputElement>('login').checked = v.launchAtLogin;
  byId<HTMLInputElement>('attach-prefix').value = v.attachPrefix;
}

function status(text: string, error = false): void {
  const s = byId('status');
  s.textContent = text;
  s.className = error ? 'error' : '';
}

/** The attach prefix's own error, on the field as well as in the status line (the field is far down
 * the page from the Save button's status); cleared by a save that worked or by typing. */
function prefixError(text: string | null): void {
  const field = byId<HTMLInputElement>('attach-prefix');
  const note = byId('attach-prefix-error');
  note.textContent = text ?? '';
  note.hidden = text === null;
  field.classList.toggle('invalid', text !== null);
  if (text === null) field.removeAttribute('aria-invalid');
  else {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

async function init(): Promise<void> {
  const api = await backend();
  if (typeof api === 'string') return status(api, true);
  const first = await api.getSettings();
  if (typeof first === 'string') return status(first, true);
  render(first);
  const login = byId<HTMLInputElement>('login');
  const loginLabel = login.closest('section');
  if (!api.inApp && loginLabel) loginLabel.hidden = true;
  byId('add-notifier').addEventListener('click', () => {
    const fresh: NotifierView = {
      type: 'desktop',
      on: [...DEFAULT_NOTIFY_ON],
      fields: {},
      secretSet: false,
      secretSource: '',
    };
    const row = notifierRow(fresh, rows.length, (r) => {
      rows = rows.filter((x) => x !== r);
      r.node.remove();
    });
    rows.push(row);
    byId('notifiers').append(row.node);
  });
  byId('attach-prefix').addEventListener('input', () => prefixError(null));
  byId('save').addEventListener('click', () => {
    status('Saving…');
    const patch = {
      notifiers: rows.map((r) => r.read()),
      thresholds: {
        idleSeconds: Number(byId<HTMLInputElement>('idle').value),
        stallSeconds: Number(byId<HTMLInputElement>('stall').value),
      },
      terminalArgv: byId<HTMLTextAreaElement>('terminal-argv').value.split('\n'),
      attachPrefix: byId<HTMLInputElement>('attach-prefix').value,
      ...(api.inApp ? { launchAtLogin: byId<HTMLInputElement>('login').checked } : {}),
    };
    void api.saveSettings(patch).then(
      (r) => {
        if (r.ok) {
          render(r.value);
          prefixError(null);
          status('Saved.');
        } else {
          status(r.error.message, true);
          prefixError(/^attach prefix:/.test(r.error.message) ? r.error.message : null);
        }
      },
      (e: unknown) => status(`Could not save: ${String(e)}`, true),
    );
  });
}

void init();
