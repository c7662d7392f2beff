import { expect, hydrated, signIn, siteTest } from '../tests/support/site';
const { test } = siteTest(100_000);
test('cold import', async ({ browser }) => {
  const signedIn = await browser.newContext();
  const first = await signedIn.newPage();
  await signIn(first);
  await expect(first).toHaveURL(/\/$/);
  const cookies = await signedIn.cookies();
  await signedIn.close();
  for (const path of (process.env.PATHS ?? '/import').split(',')) {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.addCookies(cookies);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 80, downloadThroughput: (5_000_000 / 8) | 0, uploadThroughput: (5_000_000 / 8) | 0 });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    const t0 = Date.now();
    const log: string[] = [];
    cdp.on('Network.requestWillBeSent', (e: any) => log.push(`${Date.now() - t0} send ${e.request.url.split('/').pop()?.slice(0, 40)}`));
    cdp.on('Network.responseReceived', (e: any) => log.push(`${Date.now() - t0} headers ${e.response.url.split('/').pop()?.slice(0, 40)} ${e.response.headers['content-encoding'] ?? ''}`));
    cdp.on('Network.loadingFinished', (e: any) => log.push(`${Date.now() - t0} done ${e.encodedDataLength}B`));
    await page.goto(path);
    await hydrated(page);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    console.log(`${path} FCP ${Math.round(fcp)}\n  ` + log.join('\n  '));
    await context.close();
  }
});
