// The dashboard: live list (from /events), filters, detail pane, peek, new-workcell form, keyboard.
import { ROUTES, WORKCELL_FRAGMENT, type FleetFrame } from '../../main/common/bridge.js';
import { compareUrgency, GLANCE_LABEL, headerCountsText, needsYouCount } from '../../main/common/glance.js';
import { STATES, type WorkcellSummary } from '../../main/common/workcell.js';
import { appApi } from '../lib/appApi.js';
import { api, openSocket, tabToken } from '../lib/bridgeClient.js';
import { byTestId, h, isTyping } from '../lib/dom.js';
import { showNeedsYou } from '../lib/favicon.js';
import { initTheme } from '../lib/theme.js';
import { offerToken } from '../lib/tokenShare.js';
import { PeekView } from '../peek/peekView.js';
import { DetailView, type DetailAction } from './detailView.js';
import { guardAccess } from './accessGuard.js';
import { keysOverlay } from './keysOverlay.js';
import { renderLoops } from './loopsView.js';
import { renderPipelines } from './pipelinesView.js';
import { matches, orderRows, renderList, type ListFilter } from './listView.js';
import { NewWorkcellForm } from './newWorkcellForm.js';
import type { ResourceSample } from '../../main/common/resources.js';

/** Reconnect backoff for /events: quick first retries (the bridge restarting), capped so a dead
 * bridge costs one attempt every 5 s. */
const RECONNECT = { firstMs: 250, maxMs: 5_000 } as const;
/** Ages are minutes-grained past the first minute; re-render the list this often to keep them true. */
const AGE_TICK_MS = 5_000;

export class DashboardApp {
  private fleet: WorkcellSummary[] = [];
  private filter: ListFilter = { text: '', state: 'all', group: 'none' };
  /** Bumped by every detail request: an answer whose number is not the latest is for a row the user
   * has left, and is dropped (7 of 48 quick clicks showed the previous workcell before this). */
  private detailGen = 0;
  private detailInFlight: AbortController | null = null;
  private refreshAgain = false;
  private readonly keys = keysOverlay();
  private readonly groupSelect: HTMLSelectElement;
  private selected: string | null = null;
  /** The /events socket is open: the bridge holding this port accepted this tab's token. */
  private live = false;
  private peek: PeekView | null = null;
  private readonly detail = new DetailView((a, w) => void this.act(a, w));
  private readonly form = new NewWorkcellForm((name) => {
    this.selected = name;
    void this.openDetail(name, `started ${name}`);
  });
  private readonly tbody: HTMLTableSectionElement;
  private readonly conn: HTMLElement;
  /** What makes the states below untrustworthy (no supervisor, broken settings), above the list. */
  private readonly notices = h('div', { class: 'notices', testid: 'notices', role: 'status' });
  private readonly counts: HTMLElement;
  /** Loops as groups with progress, above the list (loopsView.ts). */
  private readonly loops = h('section', { class: 'loops', testid: 'loops', hidden: true });
  /** Pipelines as groups of stages, above the loops their stages ran as (pipelinesView.ts). */
  private loopNames = new Set<string>();
  private readonly pipelines = h('section', { class: 'loops', testid: 'pipelines', hidden: true });
  private readonly empty: HTMLElement;
  /** CPU and memory per workcell (GET /api/resources), asked for only while this tab is visible. */
  private usage: ReadonlyMap<string, ResourceSample> = new Map();

  constructor(private readonly root: HTMLElement) {
    const toggleTheme = initTheme(() => this.peek?.retheme());
    const text = h('input', {
      type: 'search',
      placeholder: 'Filter  /',
      testid: 'filter-text',
      'aria-label': 'Filter workcells',
      oninput: (e: Event) => this.setFilter({ text: (e.target as HTMLInputElement).value }),
    });
    const state = h(
      'select',
      {
        testid: 'filter-state',
        'aria-label': 'Filter by state',
        onchange: (e: Event) => this.setFilter({ state: (e.target as HTMLSelectElement).value }),
      },
      ...[
        ['all', 'All states'],
        ['attention', 'Needs attention'],
        ['active', 'Active'],
        ['ended', 'Ended'],
      ].map(([v, l]) => h('option', { value: v! }, l!)),
      ...STATES.filter((s) => s !== 'starting').flatMap((s) => [
        h('option', { value: s }, GLANCE_LABEL[s]),
        // "done · verify failed" is a state of its own, right after done.
        s === 'done' ? h('option', { value: 'verify_failed' }, GLANCE_LABEL.verify_failed) : null,
      ]),
    );
    this.groupSelect = h(
      'select',
      {
        testid: 'group-by',
        'aria-label': 'Group rows',
        title: 'Group rows (g)',
        onchange: (e: Event) =>
          this.setFilter({ group: (e.target as HTMLSelectElement).value === 'repo' ? 'repo' : 'none' }),
      },
      h('option', { value: 'none' }, 'No grouping'),
      h('option', { value: 'repo' }, 'By repo'),
    );
    this.conn = h(
      'span',
      { class: 'conn', testid: 'connection', title: 'Live updates from the bridge' },
      'connecting',
    );
    this.counts = h('span', { class: 'counts', testid: 'counts' });
    this.tbody = h('tbody', { testid: 'list' });
    this.empty = h(
      'p',
      { class: 'empty list-empty', testid: 'list-empty' },
      'No workcells yet. Start one with New (n), or run `workcell demo`.',
    );
    root.replaceChildren(
      h(
        'header',
        { class: 'topbar' },
        h('h1', {}, 'Session Supervisor'),
        this.counts,
        h('span', { class: 'spacer' }),
        h('div', { class: 'filters' }, text, state, this.groupSelect),
        h(
          'button',
          {
            class: 'btn primary',
            testid: 'new-workcell',
            title: 'New workcell (n)',
            onclick: () => this.form.open(),
          },
          'New',
        ),
        h(
          'button',
          {
            class: 'btn icon',
            testid: 'theme-toggle',
            title: 'Light / dark',
            'aria-label': 'Toggle theme',
            onclick: toggleTheme,
          },
          '◐',
        ),
        h(
          'a',
          {
            class: 'btn icon',
            testid: 'settings-link',
            href: 'settings.html',
            target: '_blank',
            rel: 'noopener',
            title: 'Settings',
            'aria-label': 'Settings',
            onclick: (e: Event) => {
              // In the desktop app the Settings window is the app's own (it keeps secrets in the keychain).
              const app = appApi();
              if (app) {
                e.preventDefault();
                void app.openSettings();
              }
            },
          },
          '⚙',
        ),
        h(
          'button',
          {
            class: 'btn icon',
            testid: 'keys-button',
            title: 'Keys (?)',
            'aria-label': 'Keyboard shortcuts',
            onclick: () => this.toggleKeys(),
          },
          '?',
        ),
        this.conn,
      ),
      this.notices,
      h(
        'main',
        { class: 'layout' },
        h(
          'div',
          { class: 'list-pane' },
          this.pipelines,
          this.loops,
          h(
            'table',
            { class: 'list' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['State', 'Name', 'Agent', 'Repo', 'Age', 'Verify', 'Last line'].map((c) =>
                  h('th', { class: `col-${c.toLowerCase()}` }, c),
                ),
              ),
            ),
            this.tbody,
          ),
          this.empty,
        ),
        this.detail.el,
      ),
      this.form.el,
      this.keys,
    );
    document.addEventListener('keydown', (e) => this.onKey(e));
    setInterval(() => {
      this.renderList();
      void this.refreshLoops();
      void this.refreshUsage();
    }, AGE_TICK_MS);
    void this.refreshLoops();
    void this.refreshUsage();
    document.addEventListener('visibilitychange', () => void this.refreshUsage());
    this.connectEvents(RECONNECT.firstMs);
    this.followHash();
    window.addEventListener('hashchange', () => this.followHash());
    // Lend this tab's token to a tab opened from a notification's link (tokenShare.ts).
    offerToken(tabToken, () => this.live);
  }

  /** A hidden tab does not ask, so the supervisor stops sampling a little after the last one hides. */
  private async refreshUsage(): Promise<void> {
    if (document.visibilityState !== 'visible') return;
    const r = await api.resources();
    if (!r.ok) return;
    this.usage = new Map(r.value.samples.map((s) => [s.name, s]));
    this.renderList();
  }

  private async refreshLoops(): Promise<void> {
    const r = await api.loops();
    // Pipelines after loops: a stage links to its loop's group only when that group is shown.
    void this.refreshPipelines();
    if (!r.ok) return; // the list's own connection state says what is wrong
    this.loopNames = new Set(r.value.map((l) => l.name));
    renderLoops(this.loops, r.value, (name) => {
      this.selected = name;
      this.renderList();
      void this.openDetail(name);
    });
  }

  private async refreshPipelines(): Promise<void> {
    const r = await api.pipelines();
    if (!r.ok) return; // as for loops: the connection state says what is wrong
    renderPipelines(this.pipelines, r.value, {
      has: (loop) => this.loopNames.has(loop),
      open: (loop) => this.showLoop(loop),
    });
  }

  /** A pipeline stage's link: its loop's group, opened, scrolled to and focused. */
  private showLoop(name: string): void {
    const group = this.loops.querySelector<HTMLDetailsElement>(
      `details[data-testid="loop-${CSS.escape(name)}"]`,
    );
    if (!group) return;
    group.open = true;
    group.scrollIntoView({ block: 'nearest' });
    group.querySelector('summary')?.focus();
  }

  /** `#/peek/NAME` opens a peek; `#workcell=NAME` (a notification's link) opens that detail. */
  private followHash(): void {
    const m = /^#\/peek\/([^/]+)$/.exec(location.hash);
    if (m) return this.openPeek(decodeURIComponent(m[1]!));
    const name = new URLSearchParams(location.hash.slice(1)).get(WORKCELL_FRAGMENT);
    if (!name) return;
    // Dropped from the address bar, so the same link clicked again is a hashchange again.
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    this.selected = name;
    this.renderList();
    void this.openDetail(name);
  }

  /** The rows as shown: filtered, in urgency order (grouped by repo when asked). */
  private visible(): WorkcellSummary[] {
    return orderRows(
      this.fleet.filter((w) => matches(w, this.filter)),
      this.filter.group,
    );
  }

  private setFilter(f: Partial<ListFilter>): void {
    this.filter = { ...this.filter, ...f };
    this.renderList();
  }

  private renderList(): void {
    const rows = this.visible();
    renderList(
      this.tbody,
      rows,
      this.selected,
      this.filter.group,
      (name, open) => {
        this.selected = name;
        this.renderList();
        if (open || !this.detail.el.hidden) void this.openDetail(name);
      },
      undefined,
      this.usage,
    );
    showNeedsYou(needsYouCount(this.fleet));
    this.empty.hidden = rows.length > 0;
    if (this.fleet.length > 0 && rows.length === 0)
      this.empty.textContent = 'No workcell matches the filter.';
    this.counts.textContent = headerCountsText(this.fleet);
  }

  private connectEvents(delay: number): void {
    void openSocket(ROUTES.events).then((ws) => this.onEventsSocket(ws, delay));
  }

  private onEventsSocket(ws: WebSocket, delay: number): void {
    ws.onopen = () => {
      this.live = true;
      delay = RECONNECT.firstMs;
      this.conn.textContent = 'live';
      this.conn.className = 'conn live';
    };
    ws.onmessage = (ev: MessageEvent<string>) => {
      const frame = JSON.parse(ev.data) as FleetFrame;
      if (frame.type === 'error') {
        this.conn.textContent = 'error';
        this.conn.title = frame.error.message;
        return;
      }
      this.notices.replaceChildren(
        ...[frame.notices?.supervisor, frame.notices?.settings, frame.notices?.disk]
          .filter((n): n is string => Boolean(n))
          .map((n) => h('p', { class: 'notice', testid: 'notice' }, n)),
      );
      this.fleet = frame.workcells.sort(compareUrgency);
      this.renderList();
      // Keep an open detail pane current without losing its tab.
      if (this.detail.name) void this.openDetail(this.detail.name, undefined, true);
    };
    ws.onclose = () => {
      this.live = false;
      void guardAccess(this.root);
      this.conn.textContent = 'reconnecting';
      this.conn.className = 'conn down';
      setTimeout(() => this.connectEvents(Math.min(delay * 2, RECONNECT.maxMs)), delay);
    };
  }

  private async openDetail(name: string, message?: string, refresh = false): Promise<void> {
    // A refresh for a pane that was closed (Esc) or switched must not reopen or switch it.
    if (refresh && this.detail.name !== name) return;
    // Live frames come several times a second: one refresh at a time, and one more after it.
    if (refresh && this.detailInFlight) {
      this.refreshAgain = true;
      return;
    }
    const gen = ++this.detailGen;
    // A request for a row the user has left is cancelled, so 50 quick clicks do not queue 50 answers
    // in front of the one that matters (the browser runs six at a time per host).
    this.detailInFlight?.abort();
    const ctl = new AbortController();
    this.detailInFlight = ctl;
    if (!refresh) this.detail.loading(name);
    const r = await api.detail(name, ctl.signal);
    if (this.detailInFlight === ctl) this.detailInFlight = null;
    // A later request (another row, or a newer refresh) owns the pane now.
    if (gen !== this.detailGen || this.detail.name !== name) return;
    if (r.ok) this.detail.show(r.value, message);
    else this.detail.failed(name, r.error.message);
    if (this.refreshAgain) {
      this.refreshAgain = false;
      void this.openDetail(name, undefined, true);
    }
  }

  private toggleKeys(): void {
    if (this.keys.open) this.keys.close();
    else this.keys.showModal();
  }

  /** The next workcell waiting for you after the selected one (wrapping), selected and opened. */
  private nextWaiting(): void {
    const rows = this.visible();
    const waiting = rows.filter((w) => w.state === 'waiting' && matches(w, this.filter));
    if (waiting.length === 0) {
      this.counts.textContent = 'Nothing is waiting for you.';
      return;
    }
    const i = rows.findIndex((w) => w.name === this.selected);
    const next = waiting.find((w) => rows.indexOf(w) > i) ?? waiting[0]!;
    this.selected = next.name;
    this.renderList();
    this.tbody.querySelector(`[data-name="${next.name}"]`)?.scrollIntoView({ block: 'nearest' });
    void this.openDetail(next.name);
  }

  private openPeek(name: string): void {
    this.peek?.dispose();
    const view = new PeekView(name, () => this.closePeek());
    this.peek = view;
    this.root.append(view.el);
    view.mount();
  }

  private closePeek(): void {
    this.peek?.dispose();
    this.peek = null;
    if (location.hash) history.replaceState(null, '', location.pathname);
  }

  private async act(a: DetailAction, w: WorkcellSummary): Promise<void> {
    // Actions come from the pane's header, built for the workcell it shows; refuse anything else.
    if (w.name !== this.detail.name) return;
    if (a === 'peek') return this.openPeek(w.name);
    if (a === 'terminal') {
      const app = appApi();
      if (app) {
        const r = await app.openInTerminal(w.name);
        return void this.openDetail(w.name, r.ok ? `opened ${w.name} in your terminal` : r.error.message);
      }
      const cmd = `workcell attach ${w.name}`;
      // Copying may be refused (no user activation); the command stays on screen either way.
      await navigator.clipboard?.writeText(cmd).catch(() => undefined);
      return void this.openDetail(w.name, `Run in your terminal (copied): ${cmd}`);
    }
    if (a === 'recover-now' || a === 'recover-cancel') {
      const r = await api.recover(w.name, a === 'recover-now' ? 'now' : 'cancel');
      const done = a === 'recover-now' ? `resuming ${w.name} now` : `the wait of ${w.name} is cancelled`;
      return void this.openDetail(w.name, r.ok ? done : r.error.message);
    }
    const r = a === 'mute' ? await api.mute(w.name, !w.muted) : await api.act(w.name, a);
    await this.openDetail(
      w.name,
      r.ok ? `${a === 'mute' ? (w.muted ? 'unmuted' : 'muted') : `${a} done`}` : r.error.message,
    );
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      if (this.form.el.open || this.keys.open) return; // a dialog closes itself on Esc
      if (this.peek) return this.closePeek();
      if (!this.detail.el.hidden) return this.detail.hide();
      return;
    }
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey || this.peek || this.form.el.open) return;
    if (e.key === '?') {
      e.preventDefault();
      return this.toggleKeys();
    }
    if (this.keys.open) return;
    const rows = this.visible();
    const i = rows.findIndex((w) => w.name === this.selected);
    const move = (d: number) => {
      const next = rows[Math.max(0, Math.min(rows.length - 1, i < 0 ? 0 : i + d))];
      if (!next) return;
      this.selected = next.name;
      this.renderList();
      this.tbody.querySelector(`[data-name="${next.name}"]`)?.scrollIntoView({ block: 'nearest' });
      if (!this.detail.el.hidden) void this.openDetail(next.name);
    };
    const handled: Record<string, () => void> = {
      ArrowDown: () => move(1),
      j: () => move(1),
      ArrowUp: () => move(-1),
      k: () => move(-1),
      Enter: () => this.selected && void this.openDetail(this.selected),
      p: () => this.selected && this.openPeek(this.selected),
      n: () => this.form.open(),
      '/': () => byTestId<HTMLInputElement>('filter-text').focus(),
      w: () => this.nextWaiting(),
      g: () => {
        this.groupSelect.value = this.filter.group === 'repo' ? 'none' : 'repo';
        this.setFilter({ group: this.filter.group === 'repo' ? 'none' : 'repo' });
      },
    };
    const f = handled[e.key];
    if (f) {
      e.preventDefault();
      f();
    }
  }
}
