// The detail pane: header with actions, then the tab that matters for the state (detailTabs.ts) and the
// artifacts (brief / status / handoff / events / verify). It always shows one named workcell: while a
// new one loads, the header already names it and its actions are off, so no button acts on the
// workcell that was shown before; Kill and Resume ask first, naming the workcell in the button.
import type { WorkcellDetail } from '../../main/common/bridge.js';
import { isEnded, type WorkcellSummary } from '../../main/common/workcell.js';
import { h } from '../lib/dom.js';
import { age, sinceTag, STATE_LABEL, statePill, verifyLabel } from '../lib/format.js';
import { defaultTab, DETAIL_TABS, diffTab, logTab, nowTab, type DetailTab } from './detailTabs.js';
import { ReplyBox } from './replyBox.js';

export type DetailAction =
  'peek' | 'terminal' | 'kill' | 'resume' | 'mute' | 'recover-now' | 'recover-cancel';

/** Actions that ask first: they stop or start an agent, or drop a scheduled resume. */
type Confirmed = 'kill' | 'resume' | 'recover-now' | 'recover-cancel';
/** How long an action's answer stays under the buttons while live refreshes come and go. */
const NOTE_MS = 15_000;
const CONFIRMED: readonly DetailAction[] = ['kill', 'resume', 'recover-now', 'recover-cancel'];

function confirmText(a: Confirmed, name: string): { ask: string; button: string } {
  switch (a) {
    case 'kill':
      return { ask: `Stop the agent in ${name}? Its files and log stay.`, button: `Kill ${name}` };
    case 'resume':
      return { ask: `Start a new pass of ${name} from its brief and handoff?`, button: `Resume ${name}` };
    case 'recover-now':
      return {
        ask: `Resume ${name} now instead of waiting for the reset? If the limit is still there it is parked again.`,
        button: `Resume ${name} now`,
      };
    case 'recover-cancel':
      return {
        ask: `Cancel the scheduled resume of ${name}? It stays parked until you resume it.`,
        button: `Cancel the wait of ${name}`,
      };
  }
}

/** A workcell waiting out a usage limit, or with a resume recovery has scheduled or suggests. */
export function isParked(w: WorkcellSummary): boolean {
  return w.state === 'rate_limited' || (w.recovery !== null && w.recovery !== undefined);
}

function pre(text: string | null, empty: string): HTMLElement {
  return text && text.trim() ? h('pre', { class: 'artifact' }, text) : h('p', { class: 'empty' }, empty);
}

function artifactBody(tab: DetailTab, d: WorkcellDetail): HTMLElement {
  const a = d.artifacts;
  switch (tab) {
    case 'brief':
      return pre(a.brief, 'No brief.');
    case 'status':
      return pre(a.status ? JSON.stringify(a.status, null, 2) : null, 'No status.json yet.');
    case 'handoff':
      return pre(a.handoff, 'No handoff yet: it is written when the pass ends.');
    case 'verify': {
      const v = verifyLabel(d.summary);
      return h(
        'div',
        {},
        h(
          'p',
          { class: `verify-head ${v.cls}`, testid: 'verify-head' },
          d.summary.verify.ran ? v.text : 'Verify has not run.',
        ),
        pre(a.verifyLog ?? d.summary.verify.outputTail ?? null, 'No verify output.'),
      );
    }
    default:
      if (a.events.length === 0) return h('p', { class: 'empty' }, 'No events yet.');
      return h(
        'ol',
        { class: 'timeline', testid: 'timeline' },
        ...a.events.map((e) =>
          h(
            'li',
            {},
            h('time', { datetime: e.at, title: e.at }, new Date(e.at).toLocaleTimeString()),
            h('span', { class: 'ev-type' }, e.type),
            e.state
              ? h(
                  'span',
                  { class: `state state-${e.state}` },
                  `${e.from ? `${STATE_LABEL[e.from]} → ` : ''}${STATE_LABEL[e.state]}`,
                )
              : null,
            e.evidence
              ? h('span', { class: 'ev-detail' }, `${e.evidence.source}: ${e.evidence.detail}`)
              : null,
          ),
        ),
      );
  }
}

/** Tabs whose body holds its own state (a search box, opened files): a live refresh keeps them. */
const KEEP_ON_REFRESH: ReadonlySet<DetailTab> = new Set(['log', 'diff']);

export class DetailView {
  readonly el = h('aside', { class: 'detail', testid: 'detail', hidden: true });
  private tab: DetailTab | null = null;
  private current: WorkcellDetail | null = null;
  /** The workcell being loaded, shown in the header before its data arrives. */
  private pending: string | null = null;
  private confirming: Confirmed | null = null;
  /** The answer to the user's last action on this workcell ("resuming limited now"): kept across the
   * live refreshes that follow it (the action's own state change brings one within milliseconds, which
   * wiped it before anyone could read it), for NOTE_MS or until another workcell is shown. */
  private note: { name: string; text: string; at: number } | null = null;
  private readonly head = h('div', { class: 'detail-top' });
  private readonly tabs = h('nav', { class: 'tabs', role: 'tablist' });
  private readonly body = h('div', { class: 'tab-body' });
  private bodyKey = '';
  private readonly reply = new ReplyBox();

  constructor(private readonly onAction: (a: DetailAction, w: WorkcellSummary) => void) {
    this.el.append(this.head, this.tabs, this.body);
  }

  /** The workcell the pane shows or is loading; null when closed. */
  get name(): string | null {
    return this.el.hidden ? null : (this.pending ?? this.current?.summary.name ?? null);
  }

  /** Switches to `name` at once: header names it, actions are off until its data is in. */
  loading(name: string): void {
    if (this.current?.summary.name === name && !this.pending) return;
    this.pending = name;
    this.confirming = null;
    this.el.hidden = false;
    this.el.dataset.name = name;
    this.el.setAttribute('aria-busy', 'true');
    this.head.replaceChildren(
      h(
        'header',
        { class: 'detail-head' },
        h('div', { class: 'detail-title' }, h('h2', { testid: 'detail-name' }, name)),
      ),
    );
    this.tabs.replaceChildren();
    this.body.replaceChildren(h('p', { class: 'empty' }, 'Loading…'));
    this.bodyKey = '';
  }

  /** The pane could not load `name`: say so in place (an aborted request never gets here). */
  failed(name: string, message: string): void {
    if (this.current?.summary.name === name && !this.pending) {
      this.renderHead(this.current, message);
      return;
    }
    // Stays "loading" that name (pending), so the next live refresh can still fill the pane.
    this.loading(name);
    this.el.removeAttribute('aria-busy');
    this.body.replaceChildren(h('p', { class: 'empty', testid: 'detail-error' }, message));
  }

  show(d: WorkcellDetail, message?: string): void {
    const switched = this.current?.summary.name !== d.summary.name;
    if (switched) {
      this.tab = null;
      this.confirming = null;
    }
    const name = d.summary.name;
    if (message !== undefined) this.note = { name, text: message, at: Date.now() };
    else if (this.note?.name === name && Date.now() - this.note.at < NOTE_MS) message = this.note.text;
    else this.note = null;
    this.current = d;
    this.pending = null;
    this.el.hidden = false;
    this.el.dataset.name = d.summary.name;
    this.el.removeAttribute('aria-busy');
    this.render(message);
  }

  hide(): void {
    this.el.hidden = true;
    this.current = null;
    this.pending = null;
    this.confirming = null;
    delete this.el.dataset.name;
  }

  private get activeTab(): DetailTab {
    return this.tab ?? (this.current ? defaultTab(this.current.summary) : 'now');
  }

  private render(message?: string): void {
    const d = this.current;
    if (!d) return;
    this.renderHead(d, message);
    const tab = this.activeTab;
    this.tabs.replaceChildren(
      ...DETAIL_TABS.map((t) =>
        h(
          'button',
          {
            role: 'tab',
            class: `tab ${t === tab ? 'active' : ''}`,
            testid: `tab-${t}`,
            'aria-selected': String(t === tab),
            onclick: () => {
              this.tab = t;
              this.render(message);
            },
          },
          t,
        ),
      ),
    );
    const key = `${d.summary.name}/${tab}`;
    if (KEEP_ON_REFRESH.has(tab) && key === this.bodyKey) return;
    this.bodyKey = key;
    const isCurrent = () => this.name === d.summary.name && this.activeTab === tab;
    const content =
      tab === 'now'
        ? nowTab(d, isCurrent)
        : tab === 'log'
          ? logTab(d.summary.name, isCurrent)
          : tab === 'diff'
            ? diffTab(d.summary.name, isCurrent)
            : artifactBody(tab, d);
    this.body.dataset.testid = `tab-body-${tab}`;
    this.body.replaceChildren(content);
    // The reply box (one element, so a half-typed reply survives refreshes): under the question of a
    // waiting workcell, at the end of the Now tab of any other live one.
    if (tab === 'now') {
      const slot = content.querySelector('#reply-slot');
      if (slot) slot.replaceChildren(this.reply.el);
      else content.append(this.reply.el);
    }
  }

  private renderHead(d: WorkcellDetail, message?: string): void {
    const w = d.summary;
    const act = (
      a: DetailAction,
      label: string,
      opts: { disabled?: boolean; danger?: boolean; title?: string } = {},
    ) =>
      h(
        'button',
        {
          class: `btn ${opts.danger ? 'danger' : ''}`,
          testid: `action-${a}`,
          disabled: opts.disabled,
          title: opts.title,
          onclick: () => {
            if (CONFIRMED.includes(a)) {
              this.confirming = a as Confirmed;
              return this.renderHead(d, message);
            }
            this.onAction(a, w);
          },
        },
        label,
      );
    const v = verifyLabel(w);
    this.reply.show(w);
    const confirm = this.confirming;
    this.head.replaceChildren(
      h(
        'header',
        { class: 'detail-head' },
        h(
          'div',
          { class: 'detail-title' },
          h('h2', { testid: 'detail-name' }, w.name),
          statePill(w, 'detail-state'),
          sinceTag(w, Date.now()),
        ),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'agent'),
          h('dd', {}, w.agent),
          h('dt', {}, 'repo'),
          h('dd', { title: w.repo }, w.repo),
          h('dt', {}, 'age'),
          h('dd', {}, `${age(w.startedAt, w.endedAt)}${w.pass > 1 ? ` · pass ${w.pass}` : ''}`),
          h('dt', {}, 'verify'),
          h('dd', { class: v.cls, testid: 'detail-verify' }, v.text),
          h('dt', {}, 'evidence'),
          h('dd', { testid: 'evidence' }, w.evidence ? `${w.evidence.source}: ${w.evidence.detail}` : '–'),
          w.exitCode !== null || w.signal ? h('dt', {}, 'exit') : null,
          w.exitCode !== null || w.signal ? h('dd', {}, w.signal ?? String(w.exitCode)) : null,
        ),
        h(
          'div',
          { class: 'actions' },
          act('peek', 'Peek', {
            disabled: !w.pane,
            title: w.pane ? 'Watch without taking over (p)' : 'No tmux session to peek at',
          }),
          act('terminal', 'Open in terminal', { disabled: !w.pane }),
          act('kill', 'Kill…', { danger: true, disabled: isEnded(w.state) }),
          act('resume', 'Resume…', { disabled: !isEnded(w.state) }),
          act('mute', w.muted ? 'Unmute' : 'Mute', { title: 'Notifications for this workcell' }),
          isParked(w)
            ? act('recover-now', 'Resume now…', { title: 'Resume without waiting for the limit to reset' })
            : null,
          w.recovery?.state === 'scheduled'
            ? act('recover-cancel', 'Cancel wait…', { title: 'Cancel the scheduled resume' })
            : null,
        ),
        confirm
          ? h(
              'div',
              {
                class: `confirm ${confirm}`,
                testid: 'confirm',
                role: 'alertdialog',
                'aria-label': `${confirm} ${w.name}`,
              },
              h('span', {}, confirmText(confirm, w.name).ask),
              h(
                'button',
                {
                  class: `btn ${confirm === 'kill' ? 'danger' : 'primary'}`,
                  testid: `confirm-${confirm}`,
                  // `w` is the workcell this header was built for: the button cannot act on another.
                  onclick: () => {
                    this.confirming = null;
                    this.onAction(confirm, w);
                  },
                },
                confirmText(confirm, w.name).button,
              ),
              h(
                'button',
                {
                  class: 'btn',
                  testid: 'confirm-cancel',
                  onclick: () => {
                    this.confirming = null;
                    this.renderHead(d, message);
                  },
                },
                'Cancel',
              ),
            )
          : null,
        h('p', { class: 'action-msg', testid: 'action-msg', role: 'status' }, message ?? ''),
      ),
    );
  }
}
