// The detail pane: header with actions, then brief / status / handoff / events / verify as tabs.
import type { WorkcellDetail } from '../../main/common/bridge.js';
import { isEnded, type WorkcellSummary } from '../../main/common/workcell.js';
import { h } from '../lib/dom.js';
import { age, evidenceText, STATE_LABEL, verifyLabel } from '../lib/format.js';
import { ReplyBox } from './replyBox.js';

export type DetailAction = 'peek' | 'terminal' | 'kill' | 'resume' | 'mute';
const TABS = ['brief', 'status', 'handoff', 'events', 'verify'] as const;
type Tab = (typeof TABS)[number];

function pre(text: string | null, empty: string): HTMLElement {
  return text && text.trim() ? h('pre', { class: 'artifact' }, text) : h('p', { class: 'empty' }, empty);
}

function tabBody(tab: Tab, d: WorkcellDetail): HTMLElement {
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
        h('p', { class: `verify-head ${v.cls}` }, d.summary.verify.ran ? v.text : 'Verify has not run.'),
        pre(a.verifyLog ?? d.summary.verify.outputTail ?? null, 'No verify output.'),
      );
    }
    case 'events':
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

export class DetailView {
  readonly el = h('aside', { class: 'detail', testid: 'detail', hidden: true });
  private tab: Tab = 'brief';
  private current: WorkcellDetail | null = null;
  private readonly reply = new ReplyBox();

  constructor(private readonly onAction: (a: DetailAction, w: WorkcellSummary) => void) {}

  get name(): string | null {
    return this.el.hidden ? null : (this.current?.summary.name ?? null);
  }

  show(d: WorkcellDetail, message?: string): void {
    this.current = d;
    this.el.hidden = false;
    this.render(message);
  }

  hide(): void {
    this.el.hidden = true;
    this.current = null;
  }

  private render(message?: string): void {
    const d = this.current;
    if (!d) return;
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
          onclick: () => this.onAction(a, w),
        },
        label,
      );
    const v = verifyLabel(w);
    this.reply.show(w);
    this.el.replaceChildren(
      h(
        'header',
        { class: 'detail-head' },
        h(
          'div',
          { class: 'detail-title' },
          h('h2', {}, w.name),
          h('span', { class: `state state-${w.state}`, title: evidenceText(w) }, STATE_LABEL[w.state]),
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
          h('dd', { class: v.cls }, v.text),
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
          act('kill', 'Kill', { danger: true, disabled: isEnded(w.state) }),
          act('resume', 'Resume', { disabled: !isEnded(w.state) }),
          act('mute', w.muted ? 'Unmute' : 'Mute', { title: 'Notifications for this workcell' }),
        ),
        h('p', { class: 'action-msg', testid: 'action-msg', role: 'status' }, message ?? ''),
      ),
      this.reply.el,
      h(
        'nav',
        { class: 'tabs', role: 'tablist' },
        ...TABS.map((t) =>
          h(
            'button',
            {
              role: 'tab',
              class: `tab ${t === this.tab ? 'active' : ''}`,
              testid: `tab-${t}`,
              'aria-selected': String(t === this.tab),
              onclick: () => ((this.tab = t), this.render(message)),
            },
            t,
          ),
        ),
      ),
      h('div', { class: 'tab-body', testid: `tab-body-${this.tab}` }, tabBody(this.tab, d)),
    );
  }
}
