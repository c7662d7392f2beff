// Figures for the README, printed, not asserted against the clock:
// - from a run's commit of a page to its `progress` event in the browser;
// - the server's peak memory with ten event streams open during a sync that
//   imports 70,000 of a 100,000-reel warehouse;
// - the cold load of every page on an emulated phone (4× CPU slowdown,
//   5 Mbit/s, 80 ms round trips): bytes, the time until it is usable (the
//   server's render painted: links and plain forms work) and until it is hydrated.

import { expect, hydrated, importWithEverySync, signIn, siteTest } from '../tests/support/site';
import { memory, percentile, resetPeak } from './measure';

const { test, site } = siteTest(100_000);
test.describe.configure({ mode: 'serial' });

test('commit to progress, and memory with ten event streams', async ({ page, context }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  await importWithEverySync(page);
  // The peak from here on: the server's start (the catalogue built while the
  // first sign-in hashes its password) is not what this measures.
  resetPeak(site.pid());
  const before = memory(site.pid());

  // Ten viewers of the run to come: nine more tabs on the dashboard follow it in
  // the banner once it starts; this one on the run page records every progress.
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const runPath = new URL(page.url()).pathname;
  let peak = before.peak;
  const sampler = setInterval(() => (peak = Math.max(peak, memory(site.pid()).rss)), 20);
  const lagsSeen = page.evaluate(
    (path) =>
      new Promise<number[]>((done) => {
        const id = path.split('/').pop();
        const lags: number[] = [];
        const source = new EventSource(`/api/runs/${id}/events?tail=0`);
        source.addEventListener('progress', (event) => {
          const at = Date.parse(JSON.parse((event as MessageEvent).data).at);
          lags.push(Date.now() - at);
        });
        source.addEventListener('finished', () => {
          source.close();
          done(lags);
        });
      }),
    runPath,
  );
  const viewers = await Promise.all(
    Array.from({ length: 9 }, async () => {
      const tab = await context.newPage();
      await tab.goto(runPath);
      return tab;
    }),
  );
  const lags = await lagsSeen;
  clearInterval(sampler);
  await expect(page.getByTestId('run-outcome')).toHaveText(/succeeded|partial/, { timeout: 60_000 });
  for (const tab of viewers) await tab.close();
  const after = memory(site.pid());
  console.log(
    `commit → progress in the browser: median ${percentile(lags, 50)} ms, p95 ${percentile(lags, 95)} ms, ` +
      `max ${Math.max(...lags)} ms over ${lags.length} progress events`,
  );
  console.log(
    `server RSS with 10 event streams during the sync: before ${before.rss.toFixed(1)} MB, ` +
      `peak ${Math.max(peak, after.peak).toFixed(1)} MB (VmHWM ${after.peak.toFixed(1)} MB)`,
  );
});

test('cold loads on an emulated phone', async ({ browser }) => {
  const signedIn = await browser.newContext();
  const first = await signedIn.newPage();
  await signIn(first);
  await expect(first).toHaveURL(/\/$/);
  const cookies = await signedIn.cookies();
  await signedIn.close();

  for (const path of ['/login', '/', '/import', '/runs', '/runs/1', '/preview', '/check', '/settings']) {
    // A new context each time: nothing cached.
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    if (path !== '/login') await context.addCookies(cookies);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 80,
      downloadThroughput: (5_000_000 / 8) | 0,
      uploadThroughput: (5_000_000 / 8) | 0,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    let bytes = 0;
    cdp.on('Network.loadingFinished', (event) => (bytes += event.encodedDataLength));
    const start = Date.now();
    await page.goto(path);
    await hydrated(page);
    const hydratedAfter = Date.now() - start;
    // The page is usable once the server's render is painted: its links and
    // forms work without the wasm, which then only enhances them.
    const painted = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    );
    console.log(
      `cold load of ${path}: usable (painted, plain forms) after ${Math.round(painted)} ms, ` +
        `hydrated after ${hydratedAfter} ms, ${(bytes / 1000).toFixed(1)} kB transferred`,
    );
    await context.close();
  }
});
