// The conflicts inbox: three reels the office delivered while the warehouse app
// cancelled their shipment. In English on a phone one is settled by keeping
// the warehouse; in Persian on a tablet one by keeping the office, which
// writes the warehouse file; before the wasm the last is resolved as plain
// forms, and a warehouse that changed since the person looked keeps it open.

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

test.beforeAll(async () => {
  let { code, output } = await site.cli(['import', '--all']);
  expect(code, output).toBe(0);
  reels = site
    .warehouseApp(`SELECT reel_number FROM Products WHERE status = 'In-stock' ORDER BY id LIMIT 3`)
    .trim()
    .split('\n');
  ({ code, output } = await site.cli(['product', 'set-status', 'Sold', ...reels]));
  expect(code, output).toBe(0);
  ({ code, output } = await site.cli(['sync']));
  expect(code, output).toBe(0);
  // The warehouse app cancels the shipments (and logs it) …
  site.warehouseApp(`
    UPDATE Products SET status = 'In-stock', last_date = NULL,
      logs = coalesce(logs, '') || char(10) || '2024-03-02 10:00 ali: shipment cancelled'
    WHERE reel_number IN ('${reels.join("','")}');
  `);
  // … while the office delivers them.
  ({ code, output } = await site.cli(['product', 'set-status', 'Delivered', ...reels]));
  expect(code, output).toBe(0);
  ({ output } = await site.cli(['sync']));
  expect(output).toContain('conflict');
});

const card = (page: Page, reel: string) => page.locator(`li.conflict[data-reel="${reel}"]`);
const warehouseStatus = (reel: string) =>
  site.warehouseApp(`SELECT status FROM Products WHERE reel_number = '${reel}'`).trim();

async function runEnds(page: Page) {
  await expect(page.getByTestId('run-outcome')).not.toHaveAttribute('data-value', 'running', {
    timeout: 30_000,
  });
}

test.describe('in English on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('see the three, keep the warehouse for one, and see it settled', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    await expect(page.getByTestId('conflicts')).toHaveAttribute('data-value', '3');
    await expect(page.getByTestId('conflicts-alert')).toContainText('3 reels are in conflict');
    await page.getByRole('button', { name: 'More' }).click();
    // The entry keeps its name; the count describes it.
    const entry = page.locator('#more-sheet').getByRole('link', { name: 'Conflicts', exact: true });
    await expect(entry).toHaveAccessibleDescription('3');
    await expect(entry.getByTestId('conflicts-count')).toHaveAttribute('data-value', '3');
    await entry.click();
    await expect(page).toHaveURL(/\/conflicts$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Conflicts');
    await expect(page.getByTestId('conflicts-open')).toHaveAttribute('data-value', '3');
    await expect(page.getByTestId('conflicts-list').locator('li.conflict')).toHaveCount(3);
    const first = card(page, reels[0]);
    await expect(first.locator('.situation')).toHaveText(
      'The office delivered it; the warehouse cancelled the sale.',
    );
    await expect(first.locator('[data-side="base"] dd')).toHaveText('Sold');
    await expect(first.locator('[data-side="office"]')).toContainText('Delivered');
    await expect(first.locator('[data-side="office"]')).toContainText(/by \u2068?cli:/);
    await expect(first.locator('[data-side="warehouse"]')).toContainText('In stock');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/conflicts-phone.png', fullPage: true });

    await first.getByRole('link', { name: 'Keep warehouse' }).click();
    const preview = page.getByTestId('resolve-preview');
    await expect(preview.getByRole('heading', { level: 2 })).toHaveText(
      "Keep the warehouse's status for these reels (1)?",
    );
    await expect(preview.locator(`li[data-reel="${reels[0]}"]`)).toHaveAttribute('data-action', 'status_in');
    await expect(page.getByTestId('resolve-confirm')).toBeInViewport();
    await page.getByTestId('resolve-confirm').click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await runEnds(page);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Conflicts resolved');

    await page.goto('/conflicts');
    await expect(page.getByTestId('conflicts-list').locator('li.conflict')).toHaveCount(2);
    await expect(card(page, reels[0])).toHaveCount(0);
    await page.goto(`/products/${reels[0]}`);
    const status = page.getByTestId('reel-sides').locator('tr[data-field="status"]');
    await expect(status.locator('td[data-side="office"]')).toHaveText('In stock');
    await expect(page.getByTestId('reel-history')).toContainText(
      "Conflict resolved: the warehouse's status kept",
    );
    expect(warehouseStatus(reels[0])).toBe('In-stock');
    expect(errors).toEqual([]);
  });
});

test.describe('in Persian on a tablet', () => {
  test.use({ locale: 'fa-IR', viewport: { width: 800, height: 1280 } });

  test('tick one and keep the office: the warehouse file is written', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    await page.getByRole('navigation').first().getByRole('link', { name: 'تعارض‌ها', exact: true }).click();
    await expect(page).toHaveURL(/\/conflicts$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('تعارض‌ها');
    await expect(page.getByTestId('conflicts-open')).toContainText('۲ باز');
    await expect(card(page, reels[1]).locator('.situation')).toHaveText('دفتر آن را تحویل داد؛ انبار فروش را لغو کرد.');
    await page.getByRole('checkbox', { name: reels[1], exact: true }).check();
    await page.getByTestId('keep-bar').getByRole('button', { name: 'نگه‌داشتن دفتر' }).click();
    await expect(page).toHaveURL(/keep=office/);
    const preview = page.getByTestId('resolve-preview');
    await expect(preview.getByRole('heading', { level: 2 })).toHaveText(
      'وضعیت دفتر برای این رول‌ها (۱) نگه داشته شود؟',
    );
    await expect(preview.locator(`li[data-reel="${reels[1]}"]`)).toHaveAttribute('data-action', 'export');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/conflicts-tablet-fa.png', fullPage: true });
    await page.getByRole('button', { name: 'تأیید' }).click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await runEnds(page);
    expect(warehouseStatus(reels[1])).toBe('Delivered');
    await page.goto('/conflicts');
    await expect(page.getByTestId('conflicts-list').locator('li.conflict')).toHaveCount(1);
    expect(errors).toEqual([]);
  });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });

  test('plain forms; a reel the warehouse changed since stays open', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/conflicts');
    await page.getByRole('checkbox', { name: reels[2], exact: true }).check();
    await expect(page.getByTestId('keep-bar')).toBeInViewport();
    await page.getByTestId('keep-bar').getByRole('button', { name: 'Keep office' }).click();
    await expect(page).toHaveURL(/keep=office/);
    await expect(page.getByTestId('resolve-preview')).toHaveAttribute('data-count', '1');
    // The warehouse app loads the reel on a truck while the person reads.
    site.warehouseApp(`UPDATE Products SET status = 'Sold' WHERE reel_number = '${reels[2]}'`);
    await page.getByTestId('resolve-confirm').click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    for (let i = 0; i < 60; i++) {
      if ((await page.getByTestId('run-outcome').getAttribute('data-value')) !== 'running') break;
      await page.waitForTimeout(250);
      await page.reload();
    }
    await expect(page.getByTestId('run-items')).toContainText('Changed since you looked');
    expect(warehouseStatus(reels[2])).toBe('Sold');
    await page.goto('/conflicts');
    const left = card(page, reels[2]);
    await expect(left).toHaveCount(1);
    await expect(left.locator('[data-side="warehouse"]')).toHaveAttribute('data-status', 'Sold');
  });
});
