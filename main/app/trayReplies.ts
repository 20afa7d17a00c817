// Quick replies in the tray menu (issue 10): a waiting workcell's entry shows its question and a row per
// answer it offers. The prompts are read from the screens here (one capture per waiting workcell, again
// only when its state or evidence changed) and handed to the pure tray model as a map.
import { readPrompt, type Prompt } from '../common/prompt.js';
import type { WorkcellSummary } from '../common/workcell.js';
import type { TrayMenuItem } from './trayModel.js';

export const TRAY_REPLIES = {
  // The question's last line is what the agent asks; earlier lines are context the dashboard shows.
  questionChars: 70,
  // Claude and Codex offer at most three numbered answers; more rows would push the fleet off screen.
  maxChoices: 5,
} as const;

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The reply rows of one waiting workcell's submenu: its question, then "Reply 1 · Yes" per answer. */
export function replyItems(name: string, prompt: Prompt | undefined): TrayMenuItem[] {
  if (!prompt || prompt.choices.length === 0) return [];
  const id = `wc:${name}:reply`;
  const q = prompt.question.at(-1);
  return [
    ...(q ? [{ id: `${id}:q`, label: cut(q, TRAY_REPLIES.questionChars), enabled: false }] : []),
    ...prompt.choices.slice(0, TRAY_REPLIES.maxChoices).map((c): TrayMenuItem => ({
      id: `${id}:${c.key}`,
      label: cut(/^[1-9yn]$/.test(c.key) ? `Reply ${c.key} · ${c.label}` : `Press ${c.label}`, 60),
      action: { kind: 'reply', name, key: c.key },
    })),
    { id: `${id}:sep`, label: '', type: 'separator' },
  ];
}

/** The prompts of the waiting workcells, kept current. `capture` is the screen seam (tmux in the app). */
export class TrayPrompts {
  private readonly prompts = new Map<string, Prompt>();
  private readonly readFor = new Map<string, string>();

  constructor(private readonly capture: (name: string) => Promise<string | null>) {}

  get current(): ReadonlyMap<string, Prompt> {
    return this.prompts;
  }

  /** Reads the prompts that may have changed; true when the map changed (rebuild the menu). */
  async refresh(list: readonly WorkcellSummary[]): Promise<boolean> {
    let changed = false;
    const waiting = new Set(
      list.filter((w) => w.state === 'waiting' && w.pane && !w.pane.dead).map((w) => w.name),
    );
    for (const name of [...this.prompts.keys()])
      if (!waiting.has(name)) {
        this.prompts.delete(name);
        this.readFor.delete(name);
        changed = true;
      }
    for (const w of list) {
      if (!waiting.has(w.name)) continue;
      const key = `${w.stateSince ?? ''}|${w.evidence?.detail ?? ''}|${w.lastLine}`;
      if (this.readFor.get(w.name) === key) continue;
      this.readFor.set(w.name, key);
      const screen = await this.capture(w.name);
      // A session that ended between the list and the capture: no prompt, the next list drops it.
      if (screen === null) continue;
      this.prompts.set(w.name, readPrompt(screen));
      changed = true;
    }
    return changed;
  }
}
