// A tab opened from a notification's link (`http://127.0.0.1:PORT/#workcell=NAME`) has no token: the
// token lives in sessionStorage, which is per tab. Such a tab asks the dashboard tabs already open on
// this origin over a BroadcastChannel, which only pages of the same origin (scheme, host AND port) can
// join: a page from another port (an agent's dev server) or a rebinding host name cannot hear it. A tab
// answers only while its own live connection to the bridge is open, i.e. while the port is held by the
// bridge that accepted its token, so a process that squats the port after `workcell ui` stops cannot
// collect the token from open tabs (docs/bridge.md, "A tab opened from a link").

const CHANNEL = 'workcell.token';
/** How long a token-less tab waits for an answer; an open tab answers within a few ms. */
export const ASK_TIMEOUT_MS = 800;

type Message = { type: 'ask'; id: string } | { type: 'answer'; id: string; token: string };

function channel(): BroadcastChannel | null {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
}

/** Answers other tabs' requests with `token()` while `live()` is true; returns a stop function. */
export function offerToken(token: () => string | null, live: () => boolean): () => void {
  const ch = channel();
  if (!ch) return () => undefined;
  ch.onmessage = (ev: MessageEvent<Message>) => {
    const m = ev.data;
    const t = token();
    if (m?.type !== 'ask' || typeof m.id !== 'string' || !t || !live()) return;
    ch.postMessage({ type: 'answer', id: m.id, token: t } satisfies Message);
  };
  return () => ch.close();
}

/** Asks the open dashboard tabs of this origin for the token; null when none answers in time. */
export function askForToken(timeoutMs = ASK_TIMEOUT_MS): Promise<string | null> {
  const ch = channel();
  if (!ch) return Promise.resolve(null);
  const id = crypto.randomUUID();
  return new Promise((resolve) => {
    const done = (t: string | null) => {
      clearTimeout(timer);
      ch.close();
      resolve(t);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    ch.onmessage = (ev: MessageEvent<Message>) => {
      const m = ev.data;
      if (m?.type === 'answer' && m.id === id && typeof m.token === 'string') done(m.token);
    };
    ch.postMessage({ type: 'ask', id } satisfies Message);
  });
}
