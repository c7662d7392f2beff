// Live runs in Persian on a tablet: Sync now and Cancel in Persian, right to left;
// then a run of the command line (another process, as over SSH) shows up by
// itself in the dashboard's banner with its progress, its page follows it to the
// end, and the figures refresh when it is over.

import {
  expect,
  expectNoHorizontalOverflow,
  hydrated,
  importWithEverySync,
  noteBusyButton,
  persian,
  signIn,
  siteTest,
} from './support/site';

// Large enough that the command line's import lasts seconds after a cancelled sync.
const { test, site } = siteTest(300_000);
test.describe.configure({ mode: 'serial' });
test.use({ locale: 'fa-IR', viewport: { width: 800, height: 1280 } });

test('Sync now and Cancel in Persian', async ({ page }) => {
  await signIn(page, { labels: persian });
  await expect(page).toHaveURL(/\/$/);
  await importWithEverySync(page);

  await page.goto('/');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.getByRole('button', { name: 'همگام‌سازی اکنون' }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  await hydrated(page);
  const bar = page.getByTestId('run-progress');
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  // "Cancelling…" lasts only until the run stops, which may be a moment.
  const cancelling = await noteBusyButton(page, 'در حال لغو…');
  await page.getByRole('button', { name: 'لغو اجرا' }).click();
  await expect.poll(cancelling).toBe(true);
  const outcome = page.getByTestId('run-outcome');
  await expect(outcome).toHaveAttribute('data-value', 'cancelled', { timeout: 30_000 });
  await expect(outcome).toHaveText('لغوشده');
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/run-tablet-fa.png', fullPage: true });
});

test("the command line's run shows live in the browser", async ({ page }) => {
  await signIn(page, { labels: persian });
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expect(page.getByTestId('run-banner')).toHaveCount(0);

  // The banner as it first appears, noted by the page itself: the run may be
  // over (and the banner gone) before a check from here would look again.
  await page.evaluate(() => {
    const seen = ((window as any).bannerSeen = { text: '', progress: '', link: '' });
    new MutationObserver(() => {
      const banner = document.querySelector('[data-testid="run-banner"]');
      if (!banner || seen.text) return;
      seen.text = banner.textContent ?? '';
      seen.progress = banner.querySelector('[data-testid="run-progress"]')?.getAttribute('role') ?? '';
      seen.link = banner.querySelector('a[href^="/runs/"]')?.getAttribute('href') ?? '';
    }).observe(document.body, { subtree: true, childList: true });
  });
  // Paused while it holds the lease: the page must find it by itself, however
  // short the import would be on this machine.
  const cli = await site.pausedRun(['import', '--all']);
  const seen = () => page.evaluate(() => (window as any).bannerSeen as { text: string; progress: string; link: string });
  let ended;
  try {
    await expect.poll(async () => (await seen()).text, { timeout: 10_000 }).toContain('cli:root');
  } finally {
    ended = cli.resume();
  }
  const banner = page.getByTestId('run-banner');
  expect((await seen()).progress).toBe('progressbar');
  if (await banner.isVisible()) {
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/dashboard-banner-tablet-fa.png', fullPage: true });
    await banner.getByRole('link', { name: 'باز کردن اجرا' }).click();
  } else {
    await page.goto((await seen()).link);
  }
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  await expect(page.getByTestId('run-outcome')).toHaveAttribute('data-value', 'succeeded', {
    timeout: 60_000,
  });
  const { code, output } = await ended;
  expect(code, output).toBe(0);

  // Back on the dashboard every In-stock reel is tracked, and nothing runs.
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByTestId('tracked')).toHaveAttribute('data-value', String(site.demo.in_stock));
  await expect(page.getByTestId('run-banner')).toHaveCount(0);
  await page.getByRole('link', { name: 'اجراها', exact: true }).click();
  await expect(page.getByTestId('run-list').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('run-list')).toContainText('cli:root');
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/runs-tablet-fa.png', fullPage: true });
});
