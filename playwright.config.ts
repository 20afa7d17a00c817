// Two projects: the dashboard in Debian's Chromium against `workcell ui` (e2e/dashboard), and the
// Electron app where an Electron binary exists (e2e/electron, owned by the app). Playwright cannot
// download browsers here, so Chromium comes from the system: without it the specs that drive it skip with
// one line, or fail under CI=true (main/core/testing/tools.ts).
import { defineConfig } from '@playwright/test';
import { CHROMIUM, findTool, skipUnlessTools } from './main/core/testing/tools.js';

const noChromium = skipUnlessTools('Chromium specs (dashboard, settings page)', [CHROMIUM]);
// The config is loaded again in every worker; the line is printed once, by the runner.
if (noChromium && process.env.TEST_WORKER_INDEX === undefined) console.log(noChromium);

export default defineConfig({
  // Each test starts its own tmux server and bridge; two cores are shared, so two workers at most.
  workers: 2,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  projects: [
    {
      name: 'dashboard',
      testDir: 'e2e/dashboard',
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 760 },
        launchOptions: {
          executablePath: findTool(CHROMIUM) ?? undefined,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--no-first-run',
          ],
        },
        trace: 'retain-on-failure',
      },
    },
    {
      name: 'electron',
      testDir: 'e2e/electron',
    },
  ],
});
