// Entry of the dashboard bundle (dist/renderer/dashboard.js), loaded by index.html.
import { DashboardApp } from '../dashboard/app.js';
import { showNoToken } from '../dashboard/accessGuard.js';
import { appApi } from '../lib/appApi.js';
import { adoptHandedToken, keepToken, tabToken } from '../lib/bridgeClient.js';
import { askForToken } from '../lib/tokenShare.js';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app');
// First: the token arrives in the fragment, which the peek and workcell routes read too.
adoptHandedToken();
void (async () => {
  // A tab opened from a notification's link has no token of its own: ask an open dashboard tab.
  if (!appApi() && !tabToken()) {
    const token = await askForToken();
    if (!token) return showNoToken(root);
    keepToken(token);
  }
  new DashboardApp(root);
})();
