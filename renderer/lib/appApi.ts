// The preload's API as the renderer sees it: the very type preload/preload.ts implements
// (main/common/ipc.ts), so a renderer call the preload does not offer fails the typecheck.
import { APP_API_KEY, type WorkcellAppApi } from '../../main/common/ipc.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent when `workcell ui` serves the page to a browser. */
    readonly [APP_API_KEY]?: WorkcellAppApi;
  }
}

export function appApi(): WorkcellAppApi | undefined {
  return window[APP_API_KEY];
}
