// The import grid: filter by width, pick reels on two pages, reload and find them
// still picked; select all matching and take two out; import the selection and
// watch the run; the grid no longer lists the imported reels. In English on a
// phone, in Persian on a tablet, and with the wasm blocked (plain form posts).

import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import {
  collectErrors,
  expect,
  expectNoHorizontalOverflow,
  hydrated,
  persian,
  signIn,
  siteTest,
} from './support/site';

// Large enough that the commonest width fills more than one page (widths vary).
const { test, site } = siteTest(6_000);
test.describe.configure({ mode: 'serial' });

const phone = { width: 360, height: 740 };
const tablet = { width: 800, height: 1280 };

const rows = (page: Page) => page.locator('tbody tr[data-reel]');
const selected = (page: Page) => page.getByTestId('selected-count');
const count = async (page: Page, testid: string) =>
  Number(await page.getByTestId(testid).getAttribute('data-value'));

/** The reel numbers of the selectable rows on the page, in order. */
async function selectableReels(page: Page) {
  return rows(page)
    .filter({ has: page.locator('input[type="checkbox"]:not([disabled])') })
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-reel') ?? ''));
}

/** Opens the filter sheet on a phone (a tablet shows the filters already). */
async function openFilters(page: Page) {
  const button = page.getByTestId('filters-button');
  if (await button.isVisible()) await button.click();
  await expect(page.getByTestId('filter-sheet')).toBeVisible();
}

async function expectNoSeriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

test.describe('in English on a phone', () => {
  test.use({ viewport: phone });

  test('filter, pick on two pages, reload, select all matching, import', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await expect(page).toHaveURL(/\/import$/);
    await hydrated(page);
    const everything = await count(page, 'matching');
    expect(everything).toBeGreaterThan(100);

    // Filter by the commonest width (the first after "Any").
    await openFilters(page);
    const width = page.getByLabel('Width', { exact: true });
    const option = await width.locator('option').nth(1).getAttribute('value');
    await width.selectOption(option ?? '');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page).toHaveURL(new RegExp(`width=${option}`));
    // The address changes before the filtered page has come: wait for its count.
    await expect.poll(() => count(page, 'matching')).toBeLessThan(everything);
    const matching = await count(page, 'matching');
    expect(matching).toBeGreaterThan(25);
    await expect(rows(page).first().locator('td[data-label="Width"]')).toHaveText(option ?? '');

    // Two on the first page, one on the next.
    const first = await selectableReels(page);
    await page.getByLabel(first[0], { exact: true }).check();
    await expect(selected(page)).toHaveAttribute('data-value', '1');
    await page.getByLabel(first[1], { exact: true }).check();
    await expect(selected(page)).toHaveAttribute('data-value', '2');
    const firstRow = (await rows(page).first().getAttribute('data-reel')) ?? '';
    await page.getByRole('link', { name: 'Next' }).click();
    await expect(page).toHaveURL(/after=/);
    await expect(rows(page).first()).not.toHaveAttribute('data-reel', firstRow);
    await expect(selected(page)).toHaveAttribute('data-value', '2');
    const second = await selectableReels(page);
    expect(second).not.toContain(first[0]);
    await page.getByLabel(second[0], { exact: true }).check();
    await expect(selected(page)).toHaveAttribute('data-value', '3');

    // A reload, then back to the first page: the picks are all still there.
    await page.reload();
    await hydrated(page);
    await expect(selected(page)).toHaveAttribute('data-value', '3');
    await expect(page.getByLabel(second[0], { exact: true })).toBeChecked();
    await page.getByRole('link', { name: 'Previous' }).click();
    await expect(page).toHaveURL(/before=/);
    await expect(rows(page).first()).toHaveAttribute('data-reel', firstRow);
    await expect(page.getByLabel(first[0], { exact: true })).toBeChecked();
    await expect(page.getByLabel(first[1], { exact: true })).toBeChecked();
    await expect(page.getByLabel(first[2], { exact: true })).not.toBeChecked();
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/import-phone.png', fullPage: true });
    await expectNoSeriousViolations(page);

    // Everything the filter matches, but two.
    await page.getByRole('button', { name: 'Select all matching' }).click();
    const selectable = await selectableReels(page);
    await expect(selected(page)).not.toHaveAttribute('data-value', '3');
    const all = await count(page, 'selected-count');
    expect(all).toBeGreaterThan(25);
    await page.getByLabel(selectable[0], { exact: true }).uncheck();
    await page.getByLabel(selectable[1], { exact: true }).uncheck();
    await expect(selected(page)).toHaveAttribute('data-value', String(all - 2));

    // Clear, then import just two, and watch the run.
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect(selected(page)).toHaveAttribute('data-value', '0');
    await page.getByLabel(selectable[2], { exact: true }).check();
    await page.getByLabel(selectable[3], { exact: true }).check();
    await expect(selected(page)).toHaveAttribute('data-value', '2');

    // What the import would do, reel by reel, before doing it.
    await page.getByRole('link', { name: 'Preview', exact: true }).click();
    await expect(page).toHaveURL(/\/preview\?of=selection$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Preview of the import');
    await expect(page.getByTestId('plan-matching')).toHaveAttribute('data-value', '2');
    await expect(page.getByTestId('plan')).toContainText(selectable[2]);
    await expect(page.getByTestId('plan')).toContainText(selectable[3]);
    await page.goBack();
    await expect(page).toHaveURL(/\/import/);
    await hydrated(page);
    await expect(selected(page)).toHaveAttribute('data-value', '2');
    await page.getByRole('button', { name: 'Import selected' }).click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await expect(page.getByTestId('run-outcome')).toHaveText('succeeded', { timeout: 30_000 });

    await page.goto('/import');
    await hydrated(page);
    await expect(selected(page)).toHaveAttribute('data-value', '0');
    await expect(page.locator(`tr[data-reel="${selectable[2]}"]`)).toHaveCount(0);
    expect(await count(page, 'matching')).toBe(everything - 2);

    // The warehouse app sells a reel the open grid shows: it leaves the grid
    // within 5 s, without a reload.
    const [gone] = await selectableReels(page);
    site.warehouseApp(`UPDATE Products SET status = 'Sold' WHERE reel_number = '${gone}'`);
    await expect(page.locator(`tr[data-reel="${gone}"]`)).toHaveCount(0, { timeout: 5_000 });
    await expect(page.getByTestId('matching')).toHaveAttribute('data-value', String(everything - 3));
    expect(errors).toEqual([]);
  });
});

for (const [language, locale, words] of [
  ['English', 'en-US', { filters: 'Filters', width: 'Width', show: 'Show', remove: 'Remove the filter' }],
  ['Persian', 'fa-IR', { filters: 'فیلترها', width: 'عرض', show: 'نمایش', remove: 'حذف فیلتر' }],
] as const) {
  test.describe(`the grid on a phone, in ${language}`, () => {
    test.use({ locale, viewport: phone });

    test('filters fold into a sheet, show as chips, and an import bar stays at hand', async ({ page }) => {
      const errors = collectErrors(page);
      await signIn(page, { labels: locale === 'fa-IR' ? persian : undefined });
      await expect(page).toHaveURL(/\/$/);
      await page.goto('/import');
      await hydrated(page);

      // The first reels are in the first screen, and a screen holds five rows.
      const first = rows(page).first();
      const box = (await first.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(phone.height - 57);
      for (let i = 0; i < 5; i++) {
        expect((await rows(page).nth(i).boundingBox())!.height).toBeLessThanOrEqual(110);
      }
      await page.screenshot({ path: `screenshots/import-phone-first-screen-${locale}.png` });

      // No filter set: the button says none; the sheet is closed.
      const button = page.getByTestId('filters-button');
      await expect(button).toHaveText(words.filters);
      await expect(page.getByTestId('filter-sheet')).toBeHidden();
      await button.click();
      const width = page.getByLabel(words.width, { exact: true });
      const option = (await width.locator('option').nth(1).getAttribute('value')) ?? '';
      await width.selectOption(option);
      await page.getByRole('button', { name: words.show }).click();
      await expect(page).toHaveURL(new RegExp(`width=${option}`));
      await expect(page.getByTestId('filter-sheet')).toBeHidden();
      await expect(button.locator('.count-badge')).toBeVisible();
      const chip = page.getByTestId('filter-chip');
      await expect(chip).toHaveCount(1);
      await expect(chip).toHaveAccessibleName(new RegExp(words.remove));
      await page.screenshot({ path: `screenshots/import-phone-chip-${locale}.png` });
      await chip.click();
      await expect(page).not.toHaveURL(/width=/);
      await expect(page.getByTestId('filter-chip')).toHaveCount(0);

      // Something ticked: the import bar is pinned above the navigation, and
      // stays while the list scrolls.
      const bar = page.getByTestId('import-bar');
      const [reel] = await selectableReels(page);
      await page.getByLabel(reel, { exact: true }).check();
      await expect(selected(page)).toHaveAttribute('data-value', '1');
      await expect(bar).toHaveClass(/pinned/);
      const pinned = (await bar.boundingBox())!;
      expect(pinned.y + pinned.height).toBeLessThanOrEqual(phone.height - 56);
      expect(pinned.y).toBeGreaterThan(phone.height / 2);
      await page.mouse.wheel(0, 1500);
      await expect.poll(async () => (await bar.boundingBox())!.y).toBeCloseTo(pinned.y, 0);
      await expectNoHorizontalOverflow(page);
      await page.screenshot({ path: `screenshots/import-phone-bar-${locale}.png` });
      await page.getByLabel(reel, { exact: true }).uncheck();
      await expect(bar).not.toHaveClass(/pinned/);
      expect(errors).toEqual([]);
    });
  });
}

/** A reel the warehouse has as Sold: the command line's dry run of an import
 * of the first reel numbers says which ones it would refuse, and why. */
async function soldReel() {
  const candidates = Array.from({ length: 30 }, (_, i) => `R23-${String(i + 1).padStart(6, '0')}`);
  const { output } = await site.cli(['import', '--dry-run', '--json', ...candidates]);
  const report = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1));
  const refused = report.items.find((item: { reason: string | null }) => item.reason?.includes('Sold'));
  expect(refused, output).toBeTruthy();
  return refused.reel_number as string;
}

test.describe('scanning on a phone', () => {
  test.use({ viewport: phone });

  test('a scanned reel is selected, a second scan takes it out, a Sold one says why', async ({ page }) => {
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/import');
    await hydrated(page);
    const [reel] = await selectableReels(page);
    const field = page.getByLabel('Scan or type a reel number');
    await field.fill(reel);
    await field.press('Enter');
    // Values are set apart from the sentence (Unicode isolates) for right to left.
    await expect(page.getByTestId('scan-said')).toContainText(reel);
    await expect(page.getByTestId('scan-said')).toContainText('selected');
    await expect(selected(page)).toHaveAttribute('data-value', '1');
    // Its box says so too: "Import selected" sends the boxes as the ticks.
    await expect(page.getByLabel(reel, { exact: true })).toBeChecked();
    await expect(field).toBeFocused();
    await expect(field).toHaveValue('');

    // A scanner that fires twice within 100 ms counts once. The field keeps
    // the time of the last scan, and the scan above may have been answered
    // and checked within 100 ms: this one comes later, as a person's would.
    await page.waitForTimeout(150);
    await field.fill(reel);
    await page.evaluate(() => {
      const form = document.querySelector('form.scan') as HTMLFormElement;
      form.requestSubmit();
      form.requestSubmit();
    });
    await expect(page.getByTestId('scan-said')).toContainText('taken out');
    await expect(selected(page)).toHaveAttribute('data-value', '0');
    await expect(page.getByLabel(reel, { exact: true })).not.toBeChecked();

    const sold = await soldReel();
    await field.fill(sold);
    await field.press('Enter');
    const refused = page.getByTestId('scan-error');
    await expect(refused).toContainText(sold);
    await expect(refused).toContainText('Sold');
    await expect(refused).toContainText('in the warehouse');
    await expect(selected(page)).toHaveAttribute('data-value', '0');
    await expect(field).toBeFocused();

    // Scanned, then imported: the button sends the page's boxes, the scanned
    // reel's among them.
    await field.fill(reel);
    await field.press('Enter');
    await expect(page.getByTestId('scan-said')).toContainText('selected');
    await expect(selected(page)).toHaveAttribute('data-value', '1');
    await page.getByTestId('import-bar').getByRole('button', { name: /^Import selected/ }).click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await expect(page.getByTestId('run-outcome')).toHaveText('succeeded', { timeout: 30_000 });
    await expect(page.getByTestId('run-items')).toContainText(reel);
  });
});

test.describe('in Persian on a tablet', () => {
  test.use({ locale: 'fa-IR', viewport: tablet });

  test('filter by width and pick, right to left, kept across a reload', async ({ page }) => {
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/import');
    await hydrated(page);
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('ورود رول‌ها');
    const width = page.getByLabel('عرض', { exact: true });
    const option = await width.locator('option').nth(1).getAttribute('value');
    await width.selectOption(option ?? '');
    await page.getByRole('button', { name: 'نمایش' }).click();
    await expect(page).toHaveURL(new RegExp(`width=${option}`));
    await hydrated(page);
    const [reel] = await selectableReels(page);
    await page.getByLabel(reel, { exact: true }).check();
    await expect(selected(page)).toHaveAttribute('data-value', '1');
    await expect(selected(page)).toContainText('۱');
    await page.reload();
    await expect(page.getByLabel(reel, { exact: true })).toBeChecked();
    await expect(page.locator('table.grid thead')).toBeVisible();
    // A tablet's table holds more rows a page (50) than a phone's cards (25).
    const matching = await count(page, 'matching');
    expect(matching).toBeGreaterThan(25);
    await expect(rows(page)).toHaveCount(Math.min(50, matching));
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/import-tablet-fa.png', fullPage: true });
    await expectNoSeriousViolations(page);
    await page.getByRole('button', { name: 'پاک کردن انتخاب' }).click();
    await expect(selected(page)).toHaveAttribute('data-value', '0');
  });
});

test.describe('while the wasm loads', () => {
  test.use({ viewport: phone });

  test('ticks made before the page hydrates are saved once it does', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    // The wasm held back, as on a slow phone: the page is the server's render.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\.wasm$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/import', { waitUntil: 'domcontentloaded' });
    const [a, b] = await selectableReels(page);
    await page.getByLabel(a, { exact: true }).check();
    await page.getByLabel(b, { exact: true }).check();
    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
    // Ticked boxes show the import bar before anything counts them.
    await expect(page.getByTestId('import-bar')).toBeVisible();
    release();
    await hydrated(page);
    await expect(selected(page)).toHaveAttribute('data-value', '2');
    await page.unroute(/\.wasm$/);
    await page.reload();
    await expect(page.getByLabel(a, { exact: true })).toBeChecked();
    await expect(page.getByLabel(b, { exact: true })).toBeChecked();
    await hydrated(page);
    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await expect(selected(page)).toHaveAttribute('data-value', '0');
    expect(errors).toEqual([]);
  });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false, viewport: phone });

  test('ticking reels and pressing Import selected imports them in one step', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/import');
    const [a, b] = await selectableReels(page);
    await page.getByLabel(a, { exact: true }).check();
    await page.getByLabel(b, { exact: true }).check();
    const bar = page.getByTestId('import-bar');
    await expect(bar).toBeVisible();
    await bar.getByRole('button', { name: /^Import selected/ }).click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await expect(page.getByTestId('run-outcome')).toHaveText('succeeded', { timeout: 60_000 });
    await expect(page.getByTestId('run-items')).toContainText(a);
    await expect(page.getByTestId('run-items')).toContainText(b);
    // Imported, they leave the grid; the selection is empty again.
    await page.goto(`/import?q=${encodeURIComponent(a)}`);
    await expect(page.locator(`tr[data-reel="${a}"]`)).toHaveCount(0);
    await expect(selected(page)).toHaveAttribute('data-value', '0');
  });

  test('ticks are saved, all matching is selected and imported with plain forms', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/import?sort=width&dir=desc');
    const [reel] = await selectableReels(page);
    await page.getByLabel(reel, { exact: true }).check();
    await page.getByRole('button', { name: 'Save selection' }).click();
    await expect(page).toHaveURL(/\/import\?sort=width&dir=desc$/);
    await expect(selected(page)).toHaveAttribute('data-value', '1');
    await expect(page.getByLabel(reel, { exact: true })).toBeChecked();

    await openFilters(page);
    await page.getByLabel('Search', { exact: true }).fill(reel);
    await page.getByRole('button', { name: 'Show' }).click();
    const found = await count(page, 'matching');
    expect(found).toBeGreaterThanOrEqual(1);
    await page.getByRole('button', { name: 'Select all matching' }).click();
    await expect(selected(page)).toHaveAttribute('data-value', String(found));
    await page.getByRole('button', { name: 'Import selected' }).click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await expect(page.getByTestId('run-outcome')).toHaveText(/running|succeeded/);
  });
});
