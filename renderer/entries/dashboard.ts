// Entry of the dashboard bundle (dist/renderer/dashboard.js), loaded by index.html.
import { DashboardApp } from '../dashboard/app.js';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app');
new DashboardApp(root);
