// Hardening every web contents and the default session gets (DESIGN.md §5 and Electron's security
// checklist): no permissions, no navigation away from our bridge or our pages, no new windows (links
// open in the user's browser after validation), no <webview>, and no request to anywhere else.
import { app, session, shell, type Session, type WebContents } from 'electron';
import { isSafeExternalUrl, isTrustedUrl, type Trusted } from './urlPolicy.js';

/** Schemes our pages may load besides the bridge origin: devtools in development, inline data images. */
const ALWAYS_ALLOWED = ['devtools:', 'data:', 'chrome-extension:'];

export function webPreferences(preload: string): Electron.WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

function hardenSession(s: Session, trusted: () => Trusted, log: (line: string) => void): void {
  s.setPermissionRequestHandler((_wc, permission, callback) => {
    log(`denied permission request: ${permission}`);
    callback(false);
  });
  s.setPermissionCheckHandler(() => false);
  // Nothing but our bridge and our files: a compromised page cannot reach the network or other
  // local services, whatever its CSP says.
  s.webRequest.onBeforeRequest((details, callback) => {
    const url = details.url;
    const ok =
      isTrustedUrl(url, trusted()) ||
      ALWAYS_ALLOWED.some((p) => url.startsWith(p)) ||
      isOurFile(url, trusted());
    if (!ok) log(`blocked request to ${url.split('?')[0]}`);
    callback({ cancel: !ok });
  });
}

/** Scripts and styles next to our settings page (dist/renderer/*) are ours too. */
function isOurFile(url: string, t: Trusted): boolean {
  if (!url.startsWith('file:')) return false;
  return t.pages.some((page) => {
    const dir = page.slice(0, page.lastIndexOf('/') + 1);
    return url.startsWith(dir) && !url.slice(dir.length).includes('..');
  });
}

function hardenContents(contents: WebContents, trusted: () => Trusted, log: (line: string) => void): void {
  const guard = (event: Electron.Event, url: string, kind: string): void => {
    if (isTrustedUrl(url, trusted())) return;
    event.preventDefault();
    // Not opened externally either: a page script can navigate without the user asking; only
    // window.open (a clicked link) below reaches the user's browser.
    log(`blocked ${kind} to ${url.split('?')[0]}`);
  };
  contents.on('will-navigate', (e, url) => guard(e, url, 'navigation'));
  contents.on('will-redirect', (e, url) => guard(e, url, 'redirect'));
  contents.on('will-frame-navigate', (e) => guard(e, e.url, 'frame navigation'));
  contents.on('will-attach-webview', (e) => {
    e.preventDefault();
    log('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    else log(`blocked window.open of ${url.split('?')[0]}`);
    return { action: 'deny' };
  });
}

/** Call once before the first window: covers every web contents created later. */
export function installHardening(trusted: () => Trusted, log: (line: string) => void): void {
  hardenSession(session.defaultSession, trusted, log);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents, trusted, log));
}
