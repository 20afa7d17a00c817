// The new-workcell form. Validation is the core's: the error value it returns is shown next to the
// field it concerns (fieldOfError), or above the buttons when it concerns no single field.
import { fieldOfError, type StartRequest } from '../../main/common/bridge.js';
import { AGENTS, type AgentName } from '../../main/common/workcell.js';
import { api } from '../lib/bridgeClient.js';
import { h } from '../lib/dom.js';

type Field = 'name' | 'repo' | 'agent' | 'objective' | 'verify' | 'args';

export class NewWorkcellForm {
  readonly el: HTMLDialogElement;
  private readonly inputs: Record<Field, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>;
  private readonly errors: Record<Field | 'form', HTMLElement>;
  private readonly submitBtn: HTMLButtonElement;

  constructor(private readonly onStarted: (name: string) => void) {
    const err = (f: Field | 'form') =>
      h('p', { class: 'field-error', testid: `error-${f}`, role: 'alert', hidden: true });
    this.errors = {
      name: err('name'),
      repo: err('repo'),
      agent: err('agent'),
      objective: err('objective'),
      verify: err('verify'),
      args: err('args'),
      form: err('form'),
    };
    this.inputs = {
      name: h('input', {
        name: 'name',
        testid: 'new-name',
        required: true,
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: 'fix-login-2',
      }),
      repo: h('input', {
        name: 'repo',
        testid: 'new-repo',
        required: true,
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: '/home/me/src/project',
      }),
      agent: h(
        'select',
        { name: 'agent', testid: 'new-agent' },
        ...AGENTS.map((a) => h('option', { value: a }, a)),
      ),
      objective: h('textarea', {
        name: 'objective',
        testid: 'new-objective',
        rows: 4,
        placeholder: 'What to do, and what "done" means',
      }),
      verify: h('input', {
        name: 'verify',
        testid: 'new-verify',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: 'npm test',
      }),
      args: h('textarea', {
        name: 'args',
        testid: 'new-args',
        rows: 3,
        spellcheck: 'false',
        placeholder: 'one argument per line, passed as-is (no shell)',
      }),
    };
    const row = (f: Field, label: string, hint?: string) =>
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'label' }, label),
        this.inputs[f],
        hint ? h('span', { class: 'hint' }, hint) : null,
        this.errors[f],
      );
    this.submitBtn = h(
      'button',
      { class: 'btn primary', type: 'submit', testid: 'new-submit' },
      'Start workcell',
    );
    const form = h(
      'form',
      { method: 'dialog', class: 'new-form', testid: 'new-form' },
      h('h2', {}, 'New workcell'),
      row('name', 'Name', 'a-z 0-9 _ -, up to 48'),
      row('repo', 'Repository folder'),
      row('agent', 'Agent'),
      row('objective', 'Objective'),
      row('verify', 'Verify command', 'exit 0 = verified'),
      row('args', 'Arguments', 'for "command": the program and its arguments'),
      this.errors.form,
      h(
        'div',
        { class: 'form-buttons' },
        h(
          'button',
          { class: 'btn', type: 'button', testid: 'new-cancel', onclick: () => this.el.close() },
          'Cancel',
        ),
        this.submitBtn,
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.el = h('dialog', { class: 'dialog', testid: 'new-dialog' }, form);
  }

  open(): void {
    this.clearErrors();
    this.el.showModal();
    this.inputs.name.focus();
  }

  private clearErrors(): void {
    for (const e of Object.values(this.errors)) {
      e.hidden = true;
      e.textContent = '';
    }
    for (const i of Object.values(this.inputs)) i.removeAttribute('aria-invalid');
  }

  private async submit(): Promise<void> {
    this.clearErrors();
    const v = (f: Field) => this.inputs[f].value;
    const req: StartRequest = {
      name: v('name').trim(),
      repo: v('repo').trim(),
      agent: v('agent') as AgentName,
      args: v('args')
        .split('\n')
        .filter((l) => l.length > 0),
    };
    if (v('objective').trim()) req.objective = v('objective');
    if (v('verify').trim()) req.verify = v('verify');
    this.submitBtn.disabled = true;
    this.submitBtn.textContent = 'Starting…';
    const r = await api.start(req);
    this.submitBtn.disabled = false;
    this.submitBtn.textContent = 'Start workcell';
    if (r.ok) {
      this.el.close();
      this.onStarted(req.name);
      return;
    }
    const field = fieldOfError(r.error);
    const target = field && field in this.errors ? this.errors[field as Field] : this.errors.form;
    target.textContent = r.error.message;
    target.hidden = false;
    if (field && field in this.inputs) {
      const input = this.inputs[field as Field];
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }
}
