// The tab carries the count that needs you (issue 10): "(3) Session Supervisor" and a favicon with a
// badge, so a background tab says it without being opened.
const TITLE = 'Session Supervisor';

function svg(count: number): string {
  const dot =
    count > 0
      ? `<circle cx="23" cy="9" r="9" fill="#c23b32"/><text x="23" y="13" font-family="sans-serif" font-size="${count > 9 ? 10 : 13}" font-weight="700" text-anchor="middle" fill="#fff">${count > 99 ? '99+' : count}</text>`
      : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="6" width="24" height="22" rx="4" fill="#2f62d8"/><path d="M7 13l4 4-4 4M13 22h7" stroke="#fff" stroke-width="2.2" fill="none" stroke-linecap="round"/>${dot}</svg>`;
}

let last = -1;

export function showNeedsYou(count: number): void {
  if (count === last) return;
  last = count;
  document.title = count > 0 ? `(${count}) ${TITLE}` : TITLE;
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.append(link);
  }
  link.type = 'image/svg+xml';
  link.dataset.count = String(count);
  link.href = `data:image/svg+xml,${encodeURIComponent(svg(count))}`;
}
