// Two projects: the dashboard in Debian's Chromium against `workcell ui` (e2e/dashboard), and the
// Electron app where an Electron binary exists (e2e/electron, owned by the app). Playwright cannot
// download browsers here, so Chromium comes from the system.
import { defineConfig } from '@playwright/test';

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
          executablePath: '/usr/bin/chromium',
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
