// Figures of the import grid for the README, printed, not asserted against the
// clock: on a 100,000-reel warehouse (70,000 importable), the first load (which
// builds the catalogue), a filter change on an emulated phone (4× CPU slowdown)
// until the rows show it, and the server's peak memory through the grid and an
// import of every importable reel by "select all matching".

import { expect, hydrated, signIn, siteTest } from '../tests/support/site';
import { memory, percentile } from './measure';

const { test, site } = siteTest(100_000);

test('the import grid: a filter change on an emulated phone, and server memory', async ({ page, context }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  const before = memory(site.pid());
  let peak = before.peak;
  const sampler = setInterval(() => (peak = Math.max(peak, memory(site.pid()).rss)), 20);

  // The first load builds the catalogue (one scan of the warehouse).
  let started = Date.now();
  await page.goto('/import');
  await hydrated(page);
  console.log(`import grid, first load (builds the catalogue): ${Date.now() - started} ms`);

  await page.setViewportSize({ width: 360, height: 740 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const times: number[] = [];
  const widths = page.getByLabel('Width', { exact: true }).locator('option');
  for (let i = 1; i <= 5; i++) {
    const value = (await widths.nth(i).getAttribute('value')) ?? '';
    started = Date.now();
    await page.getByLabel('Width', { exact: true }).selectOption(value);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page.locator('tbody tr[data-reel]').first().locator('td[data-label="Width"]')).toHaveText(value);
    times.push(Date.now() - started);
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });

  // Select all matching (no filter: every importable reel) and import them.
  await page.goto('/import');
  await hydrated(page);
  await page.getByRole('button', { name: 'Select all matching' }).click();
  await expect(page.getByTestId('selected-count')).not.toHaveAttribute('data-value', '0');
  await page.getByRole('button', { name: 'Import selected' }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  await expect(page.getByTestId('run-outcome')).toHaveText(/succeeded|partial/, { timeout: 120_000 });
  clearInterval(sampler);
  const after = memory(site.pid());
  console.log(
    `import grid on an emulated phone (4× CPU): filter change to updated rows median ${percentile(times, 50)} ms, ` +
      `max ${Math.max(...times)} ms over ${times.length}`,
  );
  console.log(
    `server RSS during the grid and an import of every importable reel by "select all matching": ` +
      `before ${before.rss.toFixed(1)} MB, peak ${Math.max(peak, after.peak).toFixed(1)} MB`,
  );
});
