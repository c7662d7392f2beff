// The drift report: after the warehouse app changes tracked reels behind
// reelsync's back (one deleted, one sold, one re-measured), /drift counts them
// by kind and lists them; a kind's chip narrows the list. In English on a phone,
// in Persian on a tablet, and before the wasm.

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

const { test, site } = siteTest(300);
test.describe.configure({ mode: 'serial' });

let deleted = '';
let sold = '';
let remeasured = '';

test.beforeAll(async () => {
  const { code, output } = await site.cli(['import', '--all']);
  expect(code, output).toBe(0);
  [deleted, sold, remeasured] = site
    .warehouseApp(`SELECT reel_number FROM Products WHERE status = 'In-stock' ORDER BY id LIMIT 3`)
    .trim()
    .split('\n');
  site.warehouseApp(`
    DELETE FROM Products WHERE reel_number = '${deleted}';
    UPDATE Products SET status = 'Sold' WHERE reel_number = '${sold}';
    UPDATE Products SET width = width + 7 WHERE reel_number = '${remeasured}';
  `);
});

const kind = (page: Page, name: string) => page.getByTestId(`drift-${name}`);

test.describe('in English on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('counts each kind, lists the reels, and a chip narrows the list', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    // Reached from the More sheet.
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('link', { name: 'Drift' }).click();
    await expect(page).toHaveURL(/\/drift$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Drift');
    await expect(page.getByTestId('drift-total')).toHaveAttribute('data-value', '3');
    await expect(kind(page, 'missing')).toHaveAttribute('data-value', '1');
    await expect(kind(page, 'status')).toHaveAttribute('data-value', '1');
    await expect(kind(page, 'fields')).toHaveAttribute('data-value', '1');
    await expect(kind(page, 'copy')).toHaveAttribute('data-value', '0');
    const list = page.getByTestId('drift-list').locator('li');
    await expect(list).toHaveCount(3);
    await expect(page.locator(`li[data-reel="${sold}"]`)).toContainText('Sold');
    await expect(page.locator(`li[data-reel="${sold}"]`)).toContainText('In stock');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/drift-phone.png', fullPage: true });

    await kind(page, 'missing').click();
    await expect(page).toHaveURL(/\/drift\?kind=missing$/);
    await expect(kind(page, 'missing')).toHaveAttribute('aria-current', 'true');
    await expect(list).toHaveCount(1);
    await expect(list.first()).toHaveAttribute('data-reel', deleted);
    await kind(page, 'copy').click();
    await expect(page.getByTestId('drift-none')).toHaveText('No reel differs this way.');
    await kind(page, 'all').click();
    await expect(list).toHaveCount(3);

    // The reel leads to its page: the warehouse's Sold beside the office's In stock.
    await page.locator(`li[data-reel="${sold}"] a.reel`).click();
    await expect(page).toHaveURL(new RegExp(`/products/${sold}$`));
    const status = page.getByTestId('reel-sides').locator('tr[data-field="status"]');
    await expect(status).toHaveClass(/apart/);
    await expect(status.locator('td[data-side="office"]')).toHaveText('In stock');
    await expect(status.locator('td[data-side="warehouse"]')).toHaveText('Sold');
    expect(errors).toEqual([]);
  });
});

test.describe('in Persian on a tablet', () => {
  test.use({ locale: 'fa-IR', viewport: { width: 800, height: 1280 } });

  test('the same report, right to left, in Persian digits', async ({ page }) => {
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole('link', { name: 'ناهمخوانی' }).click();
    await expect(page).toHaveURL(/\/drift$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('ناهمخوانی');
    await expect(page.getByTestId('drift-total')).toContainText('۳');
    await expect(kind(page, 'missing')).toHaveText('ناپیدا (۱)');
    await expect(page.getByRole('button', { name: 'همگام‌سازی اکنون' })).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/drift-tablet-fa.png', fullPage: true });
  });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false });

  test('the report and its chips are plain links', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/drift');
    await expect(page.getByTestId('drift-total')).toHaveAttribute('data-value', '3');
    await kind(page, 'status').click();
    await expect(page).toHaveURL(/kind=status/);
    await expect(page.getByTestId('drift-list').locator('li')).toHaveCount(1);
    await expect(page.getByTestId('drift-list').locator('li').first()).toHaveAttribute('data-reel', sold);
    // A kind no one spells is refused in words, not shown as an empty report.
    await page.goto('/drift?kind=drop-table');
    await expect(page.getByTestId('error-panel')).toContainText('could not read this request');
    await expect(page.getByTestId('drift-list')).toHaveCount(0);
  });
});
