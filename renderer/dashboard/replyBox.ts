// Reply without attaching (issue 10): the waiting agent's question, a button per answer it offers
// (1/2/3, y/n, Enter, Esc, read from its screen by the bridge) and a text box. Text is sent literally
// by the core (`send-keys -l`); nothing typed here is ever interpreted. One box per detail pane, kept
// across the pane's re-renders so a half-typed reply survives a live update.
import type { Prompt } from '../../main/common/prompt.js';
import { isEnded, type WorkcellState, type WorkcellSummary } from '../../main/common/workcell.js';
import { api } from '../lib/bridgeClient.js';
import { h } from '../lib/dom.js';

/** Live workcells that can take input; an ended one has no agent to read it. */
function canReply(w: WorkcellSummary): boolean {
  return !isEnded(w.state) && !!w.pane && !w.pane.dead;
}

export class ReplyBox {
  readonly el = h('section', { class: 'reply-box', testid: 'reply-box', hidden: true });
  private readonly question = h('pre', { class: 'reply-question', testid: 'reply-question' });
  private readonly choices = h('div', { class: 'reply-choices', testid: 'reply-choices' });
  private readonly text = h('input', {
    type: 'text',
    class: 'reply-text',
    testid: 'reply-text',
    placeholder: 'Type a reply (sent exactly as typed)',
    'aria-label': 'Reply text',
  });
  private readonly enter = h('input', { type: 'checkbox', testid: 'reply-enter', checked: true });
  private readonly msg = h('p', { class: 'reply-msg', testid: 'reply-msg', role: 'status' });
  private name: string | null = null;
  /** What the prompt was read for: a new state (or a new question) reads it again. */
  private readFor = '';

  constructor() {
    const form = h(
      'form',
      {
        class: 'reply-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          if (this.text.value !== '')
            void this.send({ text: this.text.value, enter: this.enter.checked }, 'text');
        },
      },
      this.text,
      h('label', { class: 'reply-enter' }, this.enter, ' then Enter'),
      h('button', { class: 'btn primary', type: 'submit', testid: 'reply-send' }, 'Send'),
    );
    this.el.append(h('h3', {}, 'Reply'), this.question, this.choices, form, this.msg);
  }

  /** Called with every render of the detail pane. */
  show(w: WorkcellSummary): void {
    if (w.name !== this.name) {
      this.name = w.name;
      this.text.value = '';
      this.msg.textContent = '';
      this.readFor = '';
    }
    this.el.hidden = !canReply(w);
    if (this.el.hidden) return;
    const key = `${w.state}|${w.stateSince ?? ''}|${w.evidence?.detail ?? ''}|${w.lastLine}`;
    if (key !== this.readFor) {
      this.readFor = key;
      void this.readPrompt(w.name, w.state);
    }
  }

  private async readPrompt(name: string, state: WorkcellState): Promise<void> {
    const r = await api.prompt(name);
    if (name !== this.name) return; // another workcell was selected meanwhile
    this.render(r.ok ? r.value : { question: [], choices: [] }, state);
  }

  private render(p: Prompt, state: WorkcellState): void {
    this.question.textContent = p.question.join('\n');
    // A working agent's last lines are not a question: shown when it waits or offers answers.
    this.question.hidden = p.question.length === 0 || (state !== 'waiting' && p.choices.length === 0);
    // Enter and Esc are always there: a prompt we could not read still takes them.
    const offered = [...p.choices];
    for (const k of ['Enter', 'Esc'])
      if (!offered.some((c) => c.key === k)) offered.push({ key: k, label: k });
    this.choices.replaceChildren(
      ...offered.map((c) =>
        h(
          'button',
          {
            class: 'btn reply-choice',
            type: 'button',
            testid: `reply-key-${c.key}`,
            title: c.label,
            onclick: () => void this.send({ key: c.key }, c.label),
          },
          /^[1-9yn]$/.test(c.key) ? `${c.key} · ${c.label}` : c.label,
        ),
      ),
    );
  }

  private async send(req: { text: string; enter: boolean } | { key: string }, what: string): Promise<void> {
    const name = this.name;
    if (!name) return;
    this.msg.textContent = 'Sending…';
    const r = await api.reply(name, req);
    if (name !== this.name) return;
    if (!r.ok) {
      this.msg.textContent = r.error.message;
      return;
    }
    if ('text' in req) this.text.value = '';
    this.msg.textContent = 'key' in req ? `Sent ${what}.` : `Sent ${r.value.chars} characters.`;
    this.readFor = ''; // the screen changes after an answer: read the next question
  }
}
