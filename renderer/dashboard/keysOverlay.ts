// The `?` overlay: every key the dashboard answers, in one place (the key map in app.ts is built from
// the same list, so the two cannot drift).
import { h } from '../lib/dom.js';

export const KEYS: readonly { keys: string[]; what: string }[] = [
  { keys: ['j', '↓'], what: 'next row' },
  { keys: ['k', '↑'], what: 'previous row' },
  { keys: ['Enter'], what: 'open the detail pane' },
  { keys: ['w'], what: 'jump to the next workcell waiting for you' },
  { keys: ['p'], what: 'peek at the selected workcell' },
  { keys: ['g'], what: 'group by repo on / off' },
  { keys: ['n'], what: 'new workcell' },
  { keys: ['/'], what: 'filter' },
  { keys: ['?'], what: 'this list of keys' },
  { keys: ['Esc'], what: 'close the peek, the detail pane or this list' },
];

export function keysOverlay(): HTMLDialogElement {
  const d: HTMLDialogElement = h(
    'dialog',
    { class: 'dialog keys', testid: 'keys-overlay', 'aria-label': 'Keyboard shortcuts' },
    h('h2', {}, 'Keys'),
    h(
      'dl',
      { class: 'keys-list' },
      ...KEYS.flatMap((k) => [
        h('dt', {}, ...k.keys.flatMap((key, i) => [i > 0 ? ' ' : '', h('kbd', {}, key)])),
        h('dd', {}, k.what),
      ]),
    ),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { class: 'btn', testid: 'keys-close', onclick: () => d.close() }, 'Close'),
    ),
  );
  // A click on the backdrop (the dialog itself, outside its content) closes it.
  d.addEventListener('click', (e) => {
    if (e.target === d) d.close();
  });
  return d;
}
