// Entry of the dashboard bundle (dist/renderer/dashboard.js), loaded by index.html.
import { DashboardApp } from '../dashboard/app.js';
import { adoptHandedToken } from '../lib/bridgeClient.js';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app');
// First: the token arrives in the fragment, which the peek route (`#/peek/NAME`) reads too.
adoptHandedToken();
new DashboardApp(root);
