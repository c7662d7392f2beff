import { defineConfig } from '@playwright/test';

// Each test file starts its own server of the release build (tests/support/site.ts).
// Playwright never downloads a browser here: it drives Debian's Chromium.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Two test files at a time, each with its own server: the tests mostly wait
  // (for the wasm, a poll, a run's next page), so a second file fills the
  // idle core. Tests within a file run in order.
  fullyParallel: false,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // `list` never waits for a human (the html reporter does on failure).
  reporter: 'list',
  outputDir: 'test-results',
  use: {
    viewport: { width: 360, height: 740 },
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
