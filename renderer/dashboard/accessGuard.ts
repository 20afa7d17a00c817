// When the live connection drops, asks the bridge whether this page may still use it: a rotated token
// or a refused one gets a full-page explanation with what to do, instead of "reconnecting" forever or a
// bare "forbidden" (issue 10, stable dashboard URL).
import { accessProblem, TOKEN_ROTATED_MESSAGE } from '../lib/bridgeClient.js';
import { h } from '../lib/dom.js';

const REFUSED_MESSAGE =
  'This page has no valid access token for this dashboard: open it from `workcell ui` (the URL it prints, or the file it names).';

let shown = false;

export async function guardAccess(root: HTMLElement): Promise<void> {
  if (shown) return;
  const problem = await accessProblem();
  if (!problem || shown) return;
  shown = true;
  document.title = 'Reopen the dashboard · Session Supervisor';
  root.replaceChildren(
    h(
      'main',
      { class: 'access-denied', testid: 'access-denied', role: 'alert' },
      h('h1', {}, problem === 'rotated' ? 'Token rotated' : 'Access refused'),
      h('p', {}, problem === 'rotated' ? TOKEN_ROTATED_MESSAGE : REFUSED_MESSAGE),
    ),
  );
}
