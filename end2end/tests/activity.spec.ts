// The activity log. In English on a phone: the command line's and the web's
// mapping resets listed with who, filtered by what and by who, an entry opened
// to what it changed, and the CSV download of the filter (its byte-order mark
// and its rows). In Persian on a tablet: the same log right to left. Before the
// wasm: the filter form is a plain GET form.

import { readFileSync } from 'node:fs';

import {
  admin,
  collectErrors,
  expect,
  expectNoHorizontalOverflow,
  hydrated,
  persian,
  signIn,
  siteTest,
} from './support/site';

const { test, site } = siteTest(20);
test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const { code, output } = await site.cli(['mappings', 'reset']);
    expect(code, output).toBe(0);
  }
});

test.describe('in English on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('the log shows who did what, filters, opens an entry and downloads', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    // A reset from the web, beside the two from the command line.
    await page.goto('/mappings');
    await hydrated(page);
    await page.getByTestId('mappings-reset-open').click();
    await page.getByTestId('mappings-reset').click();
    await expect(page.getByTestId('mappings-saved')).toBeVisible();

    await page.goto('/activity');
    await hydrated(page);
    const entries = page.getByTestId('activity-entry');
    await expect(entries.first()).toHaveAttribute('data-action', 'mappings.reset');
    await expect(entries.first()).toContainText(admin);
    await expect(entries.first()).toContainText('Mappings reset');

    await page.getByTestId('filters-button').click();
    await page.getByLabel('What').selectOption('mappings.reset');
    await expect(page).toHaveURL(/what=mappings\.reset/);
    await expect(entries).toHaveCount(3);
    await expect(page.locator('[data-testid="activity-entry"]:has-text("cli:")')).toHaveCount(2);
    await page.getByLabel('Who').fill(admin);
    await page.getByLabel('Who').press('Enter');
    await expect(page).toHaveURL(/who=/);
    await expect(entries).toHaveCount(1);

    await entries.first().locator('summary').click();
    await expect(entries.first().locator('.activity-detail')).toContainText('"before"');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/activity-phone.png', fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('activity-csv').click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trim().split('\n');
    expect(lines[0]).toBe('id,at,who,action,target,subject,outcome,detail,client,browser');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,${admin},mappings.reset,mappings,`);
    expect(errors).toEqual([]);
  });
});

test.describe('in Persian on a tablet', () => {
  test.use({ locale: 'fa-IR', viewport: { width: 800, height: 1280 } });

  test('the same log, right to left, its download included in it', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/activity?what=activity.export');
    await hydrated(page);
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('رویدادها');
    const entry = page.getByTestId('activity-entry');
    await expect(entry).toHaveCount(1);
    await expect(entry).toContainText('رویدادها دریافت شد');
    await expect(entry).toContainText(admin);
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/activity-tablet-fa.png', fullPage: true });
    expect(errors).toEqual([]);
  });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false });

  test('the filters are a plain GET form', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/activity');
    await page.getByTestId('filters-button').click();
    await page.getByLabel('What').selectOption('mappings.reset');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(page).toHaveURL(/what=mappings\.reset/);
    await expect(page.getByTestId('activity-entry')).toHaveCount(3);
  });
});
