// The products list: every tracked reel, filtered by the office's and the
// warehouse's status. The office sells three reels from a phone by scanning
// them, confirms, syncs, and sees them Sold on both sides; a delivered reel is
// refused back in stock with the reason. In Persian on a tablet, and before the
// wasm.

import { type Page } from '@playwright/test';
import {
  collectErrors,
  expect,
  expectNoHorizontalOverflow,
  hydrated,
  persian,
  signIn,
  siteTest,
} from './support/site';

const { test, site } = siteTest(60);
test.describe.configure({ mode: 'serial' });

let reels: string[] = [];
// A label printed with Persian digits and a quote.
const persianReel = "ر-۱۲۳'۴";

test.beforeAll(async () => {
  site.warehouseApp(`
    UPDATE Products SET reel_number = '${persianReel.replace("'", "''")}'
    WHERE id = (SELECT max(id) FROM Products WHERE status = 'In-stock');
  `);
  const { code, output } = await site.cli(['import', '--all']);
  expect(code, output).toBe(0);
  reels = site
    .warehouseApp(`SELECT reel_number FROM Products WHERE status = 'In-stock' ORDER BY id LIMIT 8`)
    .trim()
    .split('\n');
});

const row = (page: Page, reel: string) => page.locator(`tr[data-reel="${reel}"]`);

async function scan(page: Page, label: string, reel: string) {
  const field = page.getByLabel(label);
  await field.fill(reel);
  await field.press('Enter');
  await expect(page).toHaveURL(new RegExp(`sel=${encodeURIComponent(reel)}`));
}

test.describe('in English on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('sell three reels by scanning, confirm, sync, and see them sold', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    // On the bottom bar.
    await page.getByRole('link', { name: 'Products' }).click();
    await expect(page).toHaveURL(/\/products$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Products');
    await expect(page.getByTestId('products-matching')).toHaveAttribute('data-value', /^[1-9]\d+$/);
    // Nothing picked: no bar over the list.
    await expect(page.getByTestId('status-bar')).toBeHidden();

    const sold = reels.slice(0, 3);
    for (const reel of sold) await scan(page, 'Scan or type a reel number', reel);
    // A number reelsync does not track says so, and is not sent along.
    await scan(page, 'Scan or type a reel number', 'NO-SUCH-REEL');
    const unknown = page.getByTestId('products-unknown');
    await expect(unknown).toHaveAttribute('data-reel', 'NO-SUCH-REEL');
    await expect(unknown).toContainText('is not a tracked reel.');
    for (const reel of sold) await expect(page.getByRole('checkbox', { name: reel, exact: true })).toBeChecked();
    const bar = page.getByTestId('status-bar');
    await expect(bar).toBeVisible();
    await expect(bar.getByRole('button', { name: 'Mark sold' })).toBeInViewport();
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/products-phone.png', fullPage: true });

    await bar.getByRole('button', { name: 'Mark sold' }).click();
    await expect(page).toHaveURL(/to=Sold/);
    const confirm = page.getByTestId('status-confirm');
    await expect(confirm.getByRole('heading', { level: 2 })).toHaveText('Mark 3 reels sold?');
    await expect(confirm.getByTestId('status-changes').locator('li')).toHaveCount(3);
    await expect(confirm.getByTestId('status-unknown')).toHaveCount(0);
    await page.screenshot({ path: 'screenshots/products-confirm-phone.png', fullPage: true });
    await confirm.getByRole('button', { name: 'Confirm' }).click();

    const done = page.getByTestId('status-done');
    await expect(done).toHaveAttribute('data-count', '3');
    await expect(done.getByRole('heading', { level: 2 })).toHaveText('3 reels are Sold in the office.');
    // The list below starts afresh.
    await expect(page.getByTestId('status-bar')).toBeHidden();
    await done.getByRole('button', { name: 'Sync now' }).click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await expect(page.getByTestId('run-outcome')).toHaveText('succeeded', { timeout: 30_000 });
    for (const reel of sold) expect(site.warehouseApp(`SELECT status FROM Products WHERE reel_number = '${reel}'`).trim()).toBe('Sold');

    // Both sides Sold, on the list filtered by the office's status: from the
    // phone's filter sheet, which stays open while the filter applies.
    await page.goto('/products');
    await hydrated(page);
    const sheet = page.getByTestId('filter-sheet');
    await page.getByTestId('filters-button').click();
    await expect(sheet).toBeVisible();
    await page.getByLabel('Office status').selectOption('Sold');
    await expect(page).toHaveURL(/status=Sold/);
    await expect(page.getByTestId('products-matching')).toHaveAttribute('data-value', '3');
    await expect(sheet).toBeVisible();
    await page.getByTestId('filter-sheet').getByRole('button', { name: 'Show' }).click();
    await expect(sheet).toBeHidden();
    await expect(page.getByTestId('filter-chip')).toHaveCount(1);
    for (const reel of sold) {
      await expect(row(page, reel).locator('td[data-column="status"]')).toHaveAttribute('data-status', 'Sold');
      await expect(row(page, reel).locator('td[data-column="warehouse"]')).toHaveAttribute('data-status', 'Sold');
    }
    // The reel's page: Sold on both sides, the sale and the sync in its history.
    await row(page, sold[0]).getByRole('link', { name: sold[0] }).click();
    await expect(page).toHaveURL(new RegExp(`/products/${sold[0]}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(sold[0]);
    const status = page.getByTestId('reel-sides').locator('tr[data-field="status"]');
    await expect(status.locator('td[data-side="office"]')).toHaveText('Sold');
    await expect(status.locator('td[data-side="warehouse"]')).toHaveText('Sold');
    const history = page.getByTestId('reel-history').locator('li');
    await expect(history).toHaveCount(3);
    await expect(history.nth(0)).toContainText(' · export');
    await expect(history.nth(1)).toContainText('Office status: In stock → Sold');
    await expect(history.nth(2)).toContainText(' · import');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/reel-phone.png', fullPage: true });
    await history.nth(0).getByRole('link').click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    expect(errors).toEqual([]);
  });

  test('a delivered reel is refused back in stock, with the reason', async ({ page }) => {
    const reel = reels[3];
    const { code, output } = await site.cli(['product', 'set-status', 'delivered', reel]);
    expect(code, output).toBe(0);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/products?sel=${encodeURIComponent(reel)}&sel=${encodeURIComponent(reels[4])}&to=In-stock`);
    const confirm = page.getByTestId('status-confirm');
    await expect(confirm.getByTestId('status-refused')).toContainText(
      "A delivered reel stays delivered: the office can't set it back to In stock.",
    );
    await expect(confirm.getByTestId('status-already')).toContainText(reels[4]);
    // Nothing would change: no Confirm, only the way back.
    await expect(confirm.getByRole('button', { name: 'Confirm' })).toHaveCount(0);
    await confirm.getByRole('link', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(new RegExp(`/products\\?sel=`));
    await expect(page.getByRole('checkbox', { name: reel, exact: true })).toBeChecked();
  });
});

test.describe('in Persian on a tablet', () => {
  test.use({ locale: 'fa-IR', viewport: { width: 800, height: 1280 } });

  test('the list right to left, filtered by the office status, in Persian digits', async ({ page }) => {
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole('link', { name: 'محصولات' }).click();
    await expect(page).toHaveURL(/\/products$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('محصولات');
    await hydrated(page);
    await page.getByLabel('وضعیت دفتر').selectOption('Sold');
    await expect(page).toHaveURL(/status=Sold/);
    await expect(page.getByTestId('products-matching')).toContainText('۳');
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    // Tick one and ask to mark it delivered.
    await page.getByRole('checkbox', { name: reels[0], exact: true }).check();
    await page.getByRole('button', { name: 'تحویل شد' }).click();
    await expect(page.getByTestId('status-confirm').getByRole('heading', { level: 2 })).toHaveText('۱ رول تحویل‌شده ثبت شود؟');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/products-tablet-fa.png', fullPage: true });
    await page.getByRole('button', { name: 'تأیید' }).click();
    await expect(page.getByTestId('status-done')).toHaveAttribute('data-count', '1');
  });

  test('a reel page opens by a reel number with Persian digits and a quote', async ({ page }) => {
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/products?q=${encodeURIComponent('۱۲۳')}`);
    await expect(page.getByTestId('products-matching')).toContainText('۱');
    await row(page, persianReel).getByRole('link').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(persianReel);
    await expect(page.getByTestId('reel-history').locator('li')).toHaveCount(1);
    await expect(page.getByTestId('reel-history')).toContainText('ورود');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/reel-tablet-fa.png', fullPage: true });
    // Typed into the address as it is, too.
    await page.goto(`/products/${encodeURIComponent(persianReel)}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(persianReel);
  });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false });

  test('tick, scan, change and confirm are plain forms', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/products?sort=reel_number');
    await page.getByRole('checkbox', { name: reels[5], exact: true }).check();
    // A scan carries the tick along.
    await scan(page, 'Scan or type a reel number', reels[6]);
    await expect(page).toHaveURL(/sort=reel_number/);
    await expect(page.getByRole('checkbox', { name: reels[5], exact: true })).toBeChecked();
    await page.getByRole('button', { name: 'Mark sold' }).click();
    await expect(page.getByTestId('status-confirm').getByRole('heading', { level: 2 })).toHaveText('Mark 2 reels sold?');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByTestId('status-done')).toHaveAttribute('data-count', '2');
    await expect(page).toHaveURL(/sort=reel_number/);
  });
});
