// Live runs in English on a phone (and the tablet's screenshots): Sync now opens
// its run page, the progress bar moves, Cancel stops it as `cancelled`; the next
// run goes on to `succeeded`; a second tab's Sync now is told "already running"
// with a link to that run; the history lists and filters them; without the wasm
// the same forms post and the run page reloads itself.

import { type Page } from '@playwright/test';
import {
  collectErrors,
  expect,
  expectNoHorizontalOverflow,
  hydrated,
  importWithEverySync,
  noteBusyButton,
  signIn,
  siteTest,
} from './support/site';

// Large enough that a sync lasts seconds even after a cancelled one took its
// first pages: a second tab must find it still going.
const REELS = 300_000;
const { test } = siteTest(REELS);
test.describe.configure({ mode: 'serial' });

/** Waits until the run page's bar has moved past `rows`. */
async function progressPast(page: Page, rows: number) {
  const bar = page.getByTestId('run-progress');
  await expect(bar).toHaveAttribute('role', 'progressbar');
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 30_000 })
    .toBeGreaterThan(rows);
  return bar;
}

test('Sync now, watch it, cancel it, then run again to the end', async ({ page, context }) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  await importWithEverySync(page);

  await page.goto('/');
  await hydrated(page);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const firstRun = page.url();
  await hydrated(page);
  const bar = await progressPast(page, 0);
  // The run lasts a few seconds: cancel it as soon as its log shows an item
  // (its first pages are read before anything is imported, and a run cancelled
  // then would end with nothing logged live).
  await expect(page.getByTestId('run-log').locator('li').first()).toBeVisible({ timeout: 30_000 });
  expect(Number(await bar.getAttribute('aria-valuemax'))).toBe(REELS);
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/run-live-phone.png', fullPage: true });
  // "Cancelling…" lasts only until the run stops, which may be a moment.
  const cancelling = await noteBusyButton(page, 'Cancelling…');
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await expect.poll(cancelling).toBe(true);
  await expect(page.getByTestId('run-outcome')).toHaveText('cancelled', { timeout: 30_000 });
  // After the run: its items, filterable.
  await expect(page.getByTestId('run-items')).toBeVisible();
  await expect(page.getByTestId('run-counts').locator('[data-count="imported"]')).not.toHaveAttribute(
    'data-value',
    '0',
  );

  // Again, from the dashboard; meanwhile a second tab is told it is running.
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const secondRun = page.url();
  expect(secondRun).not.toBe(firstRun);

  const other = await context.newPage();
  await other.goto('/');
  await hydrated(other);
  await expect(other.getByTestId('run-banner')).toBeVisible();
  await expect(other.getByTestId('run-banner').getByTestId('run-progress')).toBeVisible();
  await other.getByRole('button', { name: 'Sync now' }).click();
  const refused = other.getByTestId('sync-error');
  await expect(refused).toContainText('Another run is in progress');
  await expect(refused.getByRole('link', { name: 'Open that run' })).toHaveAttribute(
    'href',
    new URL(secondRun).pathname,
  );
  await other.close();

  await expect(page.getByTestId('run-outcome')).toHaveText('succeeded', { timeout: 60_000 });
  await page.screenshot({ path: 'screenshots/run-ended-phone.png', fullPage: true });
  // A 409 for the refused Sync now is expected; nothing else may fail.
  expect(errors.filter((error) => !error.includes('status of 409'))).toEqual([]);
});

test('the history lists the runs newest first and filters them', async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  // The dashboard lists the newest runs too.
  const recent = page.getByTestId('recent-runs').locator('li');
  await expect(recent).toHaveCount(2);
  await expect(recent.first()).toContainText('succeeded');
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await expect(page).toHaveURL(/\/runs$/);
  const cards = page.getByTestId('run-list').locator('li');
  await expect(cards).toHaveCount(2);
  await expect(cards.first()).toContainText('succeeded');
  await expect(cards.last()).toContainText('cancelled');

  // On a phone the filters fold into a sheet. A changed filter applies at
  // once and leaves the sheet open for the next; the button closes it.
  const sheet = page.getByTestId('filter-sheet');
  await expect(sheet).toBeHidden();
  await page.getByTestId('filters-button').click();
  await expect(sheet).toBeVisible();
  await page.getByLabel('Outcome').selectOption('cancelled');
  await expect(page).toHaveURL(/outcome=cancelled/);
  await expect(cards).toHaveCount(1);
  await expect(sheet).toBeVisible();
  await page.getByLabel('Started by').selectOption('manual');
  await expect(page).toHaveURL(/trigger=manual/);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(sheet).toBeHidden();
  await expect(cards).toHaveCount(1);
  const chips = page.getByTestId('filter-chip');
  await expect(chips).toHaveCount(2);
  await expect(page.getByTestId('filters-button')).toContainText('2');
  await expect(chips.first()).toHaveAccessibleName(/^Remove the filter Outcome: /);
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/runs-phone.png', fullPage: true });
  // A chip takes its filter away, and keeps the other.
  await chips.last().click();
  await expect(page).not.toHaveURL(/trigger=/);
  await expect(page).toHaveURL(/outcome=cancelled/);
  await expect(chips).toHaveCount(1);
  await expect(cards).toHaveCount(1);

  // A run's items, filtered by reel number.
  await cards.first().getByRole('link').click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const items = page.getByTestId('run-items').locator('li.item');
  const reel = (await items.first().getAttribute('data-reel')) ?? '';
  await page.getByLabel('Reel number').fill(reel);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(items.first()).toHaveAttribute('data-reel', reel);

  await page.setViewportSize({ width: 800, height: 1280 });
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/run-tablet.png', fullPage: true });
  await page.goto('/runs');
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/runs-tablet.png', fullPage: true });
});

test('Preview and Test connection open their reports', async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page).toHaveURL(/\/check/);
  await expect(page.getByTestId('check-reels')).toHaveAttribute('data-value', String(REELS));
  await expect(page.getByTestId('check-report')).toContainText('warehouse.sqlite3');
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/check-phone.png', fullPage: true });

  await page.goto('/');
  await hydrated(page);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page).toHaveURL(/\/preview/);
  await expect(page.getByTestId('plan-matching')).toBeVisible({ timeout: 30_000 });
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/preview-phone.png', fullPage: true });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false });

  test('Sync now posts and lands on the run page, which shows how it ended', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await expect(page.getByTestId('run-outcome')).toBeVisible();
    // The page reloads itself while the run goes.
    await expect(page.getByTestId('run-outcome')).toHaveText(/succeeded|partial/, { timeout: 30_000 });
  });
});
