// Turns the tray model (trayModel.ts, pure and tested) into Electron's Tray and Menu. No decisions here.
import { app, Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { join } from 'node:path';
import { isEnded, type WorkcellSummary } from '../common/workcell.js';
import type { FleetNotices } from '../common/bridge.js';
import type { Prompt } from '../common/prompt.js';
import type { ResourceSample } from '../common/resources.js';
import type { TraySeen } from './traySeen.js';
import type { RunsSnapshot } from './trayRuns.js';
import { buildTrayModel, seenKey, type TrayAction, type TrayIcon, type TrayMenuItem } from './trayModel.js';

export const TRAY_REFRESH = {
  // Ages in the menu ("running 12m") are minutes; refreshing twice a minute keeps them honest without
  // rebuilding menus for nothing.
  ageRefreshMs: 30_000,
} as const;

/** tray-<icon>.png (+ @2x picked up by nativeImage); on macOS the black+alpha template variant, which the
 * menu bar tints for light and dark themes (shapes differ per state, so no colour is needed). */
function loadIcon(assets: string, icon: TrayIcon, platform: string): NativeImage {
  const file = platform === 'darwin' ? `tray-${icon}Template.png` : `tray-${icon}.png`;
  const img = nativeImage.createFromPath(join(assets, file));
  if (platform === 'darwin') img.setTemplateImage(true);
  return img;
}

/** Electron reads `&` as a mnemonic marker; a workcell's last line is plain text. */
const plain = (label: string): string => label.replace(/&/g, '&&');

function toTemplate(items: TrayMenuItem[], run: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((i): MenuItemConstructorOptions => {
    if (i.type === 'separator') return { id: i.id, type: 'separator' };
    const action = i.action;
    return {
      id: i.id,
      label: plain(i.label),
      enabled: i.enabled ?? true,
      ...(i.submenu ? { submenu: toTemplate(i.submenu, run) } : {}),
      ...(action ? { click: () => run(action) } : {}),
    };
  });
}

export class TrayController {
  private readonly tray: Tray;
  private readonly icons = new Map<TrayIcon, NativeImage>();
  private last: readonly WorkcellSummary[] = [];
  private notices: FleetNotices = { supervisor: null, settings: null };
  private prompts: ReadonlyMap<string, Prompt> = new Map();
  private runs: RunsSnapshot | undefined;
  private resources: ReadonlyMap<string, ResourceSample> = new Map();
  /** Told when the menu opens and closes: resources are sampled only while it shows them. */
  onMenu: (open: boolean) => void = () => undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly assets: string,
    private readonly run: (a: TrayAction) => void,
    /** Endings shown in a menu the user opened: they leave the menu and the badge (trayModel.ts),
     * also after a restart (traySeen.ts keeps them on disk). */
    private readonly seen: TraySeen,
    private readonly platform: string = process.platform,
  ) {
    this.tray = new Tray(this.icon('empty'));
    // Windows and macOS: a click opens the dashboard; Linux (AppIndicator) only ever shows the menu.
    this.tray.on('click', () => run({ kind: 'dashboard' }));
    this.update([]);
    this.timer = setInterval(() => this.update(this.last), TRAY_REFRESH.ageRefreshMs);
  }

  private icon(i: TrayIcon): NativeImage {
    let img = this.icons.get(i);
    if (!img) {
      img = loadIcon(this.assets, i, this.platform);
      this.icons.set(i, img);
    }
    return img;
  }

  update(list: readonly WorkcellSummary[], notices?: FleetNotices): void {
    this.last = list;
    if (notices) this.notices = notices;
    const model = buildTrayModel(list, Date.now(), this.notices, {
      seen: this.seen.set,
      prompts: this.prompts,
      runs: this.runs,
      resources: this.resources,
    });
    this.tray.setImage(this.icon(model.icon));
    this.tray.setToolTip(model.tooltip);
    // The count that needs you: the dock / launcher badge where there is one, beside the icon on macOS.
    app.setBadgeCount(model.badge);
    if (this.platform === 'darwin') this.tray.setTitle(model.badge > 0 ? String(model.badge) : '');
    // Linux only picks up a changed menu when it is set again, so rebuild and set on every change.
    const menu = Menu.buildFromTemplate(toTemplate(model.menu, this.run));
    // Endings in a menu the user has looked at are seen: they clear when it closes.
    const shown = list.filter((w) => isEnded(w.state)).map(seenKey);
    menu.on('menu-will-show', () => {
      void this.seen.add(shown);
      this.onMenu(true);
    });
    menu.on('menu-will-close', () => {
      this.onMenu(false);
      this.update(this.last);
    });
    this.tray.setContextMenu(menu);
  }

  /** Quick replies for waiting workcells (trayReplies.ts): rebuilds the menu with them. */
  setPrompts(prompts: ReadonlyMap<string, Prompt>): void {
    this.prompts = prompts;
    this.update(this.last);
  }

  /** Loops and pipelines (trayRuns.ts): rebuilds the menu with their group. */
  setRuns(runs: RunsSnapshot): void {
    this.runs = runs;
    this.update(this.last);
  }

  /** CPU and memory per workcell (trayModel.ts): rebuilds the menu with them. */
  setResources(resources: ReadonlyMap<string, ResourceSample>): void {
    this.resources = resources;
    this.update(this.last);
  }

  destroy(): void {
    clearInterval(this.timer);
    this.tray.destroy();
  }
}
