// Undoing a run from its page: the preview lists what goes back, reel by
// reel, then Undo runs it. An export undone in English on a phone (the
// warehouse file gets its before-images back), another in Persian on a
// tablet, and the import undone before the wasm.

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
let importRun = 0;
const exports: number[] = [];

async function runId(args: string[]): Promise<number> {
  const { code, output } = await site.cli([...args, '--json']);
  expect(code, output).toBe(0);
  return JSON.parse(output).run_id;
}

test.beforeAll(async () => {
  importRun = await runId(['import', '--all']);
  reels = site
    .warehouseApp(`SELECT reel_number FROM Products WHERE status = 'In-stock' ORDER BY id LIMIT 3`)
    .trim()
    .split('\n');
  for (const sold of [reels.slice(0, 2), reels.slice(2)]) {
    const { code, output } = await site.cli(['product', 'set-status', 'Sold', ...sold]);
    expect(code, output).toBe(0);
    exports.push(await runId(['sync']));
  }
});

const warehouseStatus = (reel: string) =>
  site.warehouseApp(`SELECT status FROM Products WHERE reel_number = '${reel}'`).trim();

test.describe('in English on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('preview and undo an export: the warehouse gets its before-images back', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/runs/${exports[0]}`);
    await hydrated(page);
    await page.getByTestId('undo-run').click();
    const preview = page.getByTestId('undo-preview');
    await expect(preview).toHaveAttribute('data-count', '2');
    await expect(preview.getByRole('heading', { level: 2 })).toHaveText('Undo this run?');
    for (const reel of reels.slice(0, 2)) {
      const item = preview.locator(`li[data-reel="${reel}"]`);
      await expect(item).toHaveAttribute('data-action', 'undo');
      await expect(item).toContainText('Sold');
      await expect(item).toContainText('In stock');
    }
    expect(warehouseStatus(reels[0])).toBe('Sold');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/undo-phone.png', fullPage: true });
    await page.getByTestId('undo-confirm').click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await expect(page.getByTestId('run-outcome')).toHaveAttribute('data-value', 'succeeded', {
      timeout: 30_000,
    });
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Undo');
    expect(warehouseStatus(reels[0])).toBe('In-stock');
    expect(warehouseStatus(reels[1])).toBe('In-stock');
    // An undo offers no undo of its own.
    await expect(page.getByTestId('undo-run')).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});

test.describe('in Persian on a tablet', () => {
  test.use({ locale: 'fa-IR', viewport: { width: 800, height: 1280 } });

  test('the same, right to left', async ({ page }) => {
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/runs/${exports[1]}`);
    await page.getByRole('link', { name: 'بازگردانی این اجرا' }).click();
    const preview = page.getByTestId('undo-preview');
    await expect(preview.getByRole('heading', { level: 2 })).toHaveText('این اجرا بازگردانده شود؟');
    await expect(preview).toHaveAttribute('data-count', '1');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/undo-tablet-fa.png', fullPage: true });
    await page.getByRole('button', { name: 'بازگردانی', exact: true }).click();
    await expect(page.getByTestId('run-outcome')).toHaveAttribute('data-value', 'succeeded', {
      timeout: 30_000,
    });
    expect(warehouseStatus(reels[2])).toBe('In-stock');
  });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false });

  test('the import undone as plain forms; reels changed since stay tracked', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto(`/runs/${importRun}`);
    await page.getByTestId('undo-run').click();
    const preview = page.getByTestId('undo-preview');
    // The three reels later runs changed are left, with why.
    await expect(preview.locator(`li[data-reel="${reels[0]}"]`)).toContainText('changed this reel since');
    await expect(preview.locator('li[data-action="untrack"]').first()).toBeVisible();
    await page.getByTestId('undo-confirm').click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    for (let i = 0; i < 60; i++) {
      if ((await page.getByTestId('run-outcome').getAttribute('data-value')) !== 'running') break;
      await page.waitForTimeout(250);
      await page.reload();
    }
    await expect(page.getByTestId('run-outcome')).toHaveAttribute('data-value', 'partial');
    await page.goto('/products');
    await expect(page.getByTestId('products-matching')).toHaveAttribute('data-value', '3');
  });
});
