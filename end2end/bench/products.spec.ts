// Figures of the products list for the README, printed, not asserted against
// the clock: on a 143,000-reel warehouse whose ~100,000 In-stock reels are all
// tracked, a filter change on an emulated phone (4× CPU slowdown) until the
// rows show it.

import { expect, hydrated, signIn, siteTest } from '../tests/support/site';
import { percentile, widthChangesOnAPhone } from './measure';

const { test, site } = siteTest(143_000);

test('the products list: a filter change on an emulated phone', async ({ page, context }) => {
  const { code, output } = await site.cli(['import', '--all']);
  expect(code, output).toBe(0);
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);

  const started = Date.now();
  await page.goto('/products');
  await hydrated(page);
  const tracked = await page.getByTestId('products-matching').getAttribute('data-value');
  console.log(`products list, first load (the list is built on it): ${Date.now() - started} ms, ${tracked} tracked reels`);

  const times = await widthChangesOnAPhone(page, context);
  console.log(
    `products list on an emulated phone (4× CPU): filter change to updated rows median ${percentile(times, 50)} ms, ` +
      `max ${Math.max(...times)} ms over ${times.length}`,
  );
});
