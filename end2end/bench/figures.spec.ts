// Figures for the README, printed, not asserted against the clock:
// - from a run's commit of a page to its `progress` event in the browser;
// - the server's peak memory with ten event streams open during a sync that
//   imports 70,000 of a 100,000-reel warehouse;
// - the cold load of every page on an emulated phone (4× CPU slowdown,
//   5 Mbit/s, 80 ms round trips), several rounds: bytes, the time until it is
//   usable (the server's render painted: links and plain forms work) and until it
//   is hydrated.

import { createServer } from 'node:http';

import type { Browser, Cookie } from '@playwright/test';

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

  // For scale: this machine's floor, a one-line page under the same emulation.
  const floor = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!DOCTYPE html><meta name="viewport" content="width=device-width"><p>reelsync</p>');
  });
  await new Promise<void>((done) => floor.listen(0, '127.0.0.1', done));
  const address = floor.address();
  const floorUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;

  // One load of each page a round, so a busy moment of the machine falls on
  // every page alike; the median of the rounds is the page's figure.
  const pages = ['/login', '/', '/import', '/runs', '/runs/1', '/preview', '/check', '/settings'];
  const rounds = Number(process.env.ROUNDS ?? 5);
  const loads = new Map([floorUrl, ...pages].map((path) => [path, [] as ColdLoad[]]));
  for (let round = 0; round < rounds; round++) {
    loads.get(floorUrl)?.push(await coldLoad(browser, floorUrl, []));
    for (const path of pages) {
      loads.get(path)?.push(await coldLoad(browser, path, path === '/login' ? [] : cookies));
    }
  }
  floor.close();
  for (const [path, samples] of loads) {
    const painted = samples.map((load) => load.painted);
    const hydrated = samples.map((load) => load.hydrated);
    const name = path === floorUrl ? 'a one-line page (the floor)' : path;
    console.log(
      `cold load of ${name}: usable (painted, plain forms) after median ${percentile(painted, 50)} ms ` +
        `(${Math.min(...painted)}–${Math.max(...painted)})` +
        (path === floorUrl ? '' : `, hydrated after median ${percentile(hydrated, 50)} ms`) +
        `, ${(samples[0].bytes / 1000).toFixed(1)} kB transferred`,
    );
  }
});

/** What one cold load of a page took. */
interface ColdLoad {
  /** Until the server's render was painted (first contentful paint), in ms. */
  painted: number;
  /** Until the wasm had hydrated the page, in ms. */
  hydrated: number;
  /** Bytes over the wire, compressed. */
  bytes: number;
}

/** Opens `path` (of the site, or a whole URL) in a new context (nothing cached) on an emulated phone. */
async function coldLoad(browser: Browser, path: string, cookies: Cookie[]): Promise<ColdLoad> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  await context.addCookies(cookies);
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
  // Only the app hydrates; the floor's page is whole once loaded.
  if (path.startsWith('/')) await hydrated(page);
  const hydratedAfter = Date.now() - start;
  // The page is usable once the server's render is painted: its links and
  // forms work without the wasm, which then only enhances them.
  const painted = await page.evaluate(
    () =>
      new Promise<number>((done) => {
        // Buffered: the paint may be long past, or (a page loaded before its
        // first frame) still to come.
        new PerformanceObserver((list) => {
          const paint = list.getEntriesByName('first-contentful-paint')[0];
          if (paint) done(paint.startTime);
        }).observe({ type: 'paint', buffered: true });
        setTimeout(() => done(NaN), 10_000);
      }),
  );
  await context.close();
  return { painted: Math.round(painted), hydrated: hydratedAfter, bytes };
}
