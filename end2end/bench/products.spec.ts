// Figures of the products list for the README, printed, not asserted against
// the clock: on a 143,000-reel warehouse whose ~100,000 In-stock reels are all
// tracked, a filter change on an emulated phone (4× CPU slowdown) until the
// rows show it.

import { expect, hydrated, signIn, siteTest } from '../tests/support/site';
import { percentile } from './measure';

const { test, site } = siteTest(143_000);

test('the products list: a filter change on an emulated phone', async ({ page, context }) => {
  const { code, output } = await site.cli(['import', '--all']);
  expect(code, output).toBe(0);
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);

  let started = Date.now();
  await page.goto('/products');
  await hydrated(page);
  const tracked = await page.getByTestId('products-matching').getAttribute('data-value');
  console.log(`products list, first load (the list is built on it): ${Date.now() - started} ms, ${tracked} tracked reels`);

  await page.setViewportSize({ width: 360, height: 740 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const times: number[] = [];
  const widths = page.getByLabel('Width', { exact: true }).locator('option');
  for (let i = 1; i <= 10; i++) {
    const value = (await widths.nth(i).getAttribute('value')) ?? '';
    // Timed in the page, from the form's submit to the frame after the first
    // row shows the new width.
    started = Date.now();
    const elapsed = await page.evaluate(
      (value) =>
        new Promise<number>((done) => {
          const start = performance.now();
          const shown = () =>
            document.querySelector('tbody tr[data-reel] td[data-column="width"]')?.textContent?.trim() === value;
          const observer = new MutationObserver(() => {
            if (!shown()) return;
            observer.disconnect();
            requestAnimationFrame(() => done(performance.now() - start));
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          const select = document.querySelector('#grid-width') as HTMLSelectElement;
          select.value = value;
          select.form?.requestSubmit(document.querySelector('.filter-buttons button[type="submit"]') as HTMLElement);
        }),
      value,
    );
    await expect(page).toHaveURL(new RegExp(`width=${value}`));
    times.push(Math.round(elapsed));
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  console.log(
    `products list on an emulated phone (4× CPU): filter change to updated rows median ${percentile(times, 50)} ms, ` +
      `max ${Math.max(...times)} ms over ${times.length}`,
  );
});
