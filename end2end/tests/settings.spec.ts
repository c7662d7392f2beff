// Settings: the schedule saved from a phone or tablet, a bad interval refused by the
// server in the user's language, with the wasm and without it.

import {
  collectErrors,
  expect,
  expectNoHorizontalOverflow,
  hydrated,
  persian,
  signIn,
  siteTest,
} from './support/site';

const { test } = siteTest();

test('an admin turns automatic sync on, and a bad interval is refused', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  // On a phone, Settings is behind More.
  await page.getByRole('button', { name: 'More' }).click();
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await page.getByRole('button', { name: 'More' }).click();
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');
  await page.keyboard.press('Escape');

  await page.getByLabel('Automatic sync').check();
  await page.getByLabel('Interval (minutes)').fill('0');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('from 1 to 10,080');

  await page.getByLabel('Interval (minutes)').fill('30');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('settings-saved')).toHaveText('Saved.');
  await expect(page.getByTestId('next-run')).toContainText('Next run:');
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/settings-phone.png', fullPage: true });

  await page.reload();
  await expect(page.getByLabel('Automatic sync')).toBeChecked();
  await expect(page.getByLabel('Interval (minutes)')).toHaveValue('30');

  await page.setViewportSize({ width: 800, height: 1280 });
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/settings-tablet.png', fullPage: true });
  // The refused save answers 400, which Chromium reports as a failed load.
  expect(errors.filter((error) => !error.includes('status of 400'))).toEqual([]);
});

test('HTTPS on the LAN is turned on, given a new certificate and turned off', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/settings');
  await hydrated(page);
  const state = page.getByTestId('https-state');
  await expect(state).toHaveText('HTTPS is off.');
  await page.getByRole('button', { name: 'Turn HTTPS on' }).click();
  await expect(state).toHaveAttribute('data-value', 'on');
  await expect(state).toContainText(/on port \W?\d+/);
  const fingerprint = await page.getByTestId('https-fingerprint').textContent();
  expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: 'screenshots/settings-https-phone.png', fullPage: true });

  // A new certificate keeps the authority the phones trust.
  await page.getByRole('button', { name: 'New certificate' }).click();
  await expect(state).toHaveAttribute('data-value', 'on');
  await expect(page.getByTestId('https-fingerprint')).toHaveText(fingerprint!);

  // The page for phones links the address HTTPS is served on.
  await page.getByRole('link', { name: 'How a phone comes to trust it' }).click();
  await expect(page).toHaveURL(/\/https$/);
  await expect(page.getByTestId('ca-fingerprint')).toHaveText(fingerprint!);
  await expect(page.getByTestId('https-url')).toContainText(/https:\/\/127\.0\.0\.1:\d+\//);
  await page.goBack();

  await page.getByRole('button', { name: 'Turn HTTPS off' }).click();
  await expect(state).toHaveText('HTTPS is off.');
  await expect(page.getByTestId('https-fingerprint')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test.describe('in Persian', () => {
  test.use({ locale: 'fa-IR' });

  test('the interval takes Persian digits and its error is in Persian', async ({ page }) => {
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    await page.getByRole('button', { name: 'بیشتر' }).click();
    await page.getByRole('link', { name: 'تنظیمات' }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');

    await page.getByLabel('فاصله (دقیقه)').fill('۲۰۰۰۰');
    await page.getByRole('button', { name: 'ذخیره' }).click();
    await expect(page.getByRole('alert')).toContainText('۱۰٬۰۸۰');

    await page.getByLabel('فاصله (دقیقه)').fill('۱۵');
    await page.getByRole('button', { name: 'ذخیره' }).click();
    await expect(page.getByTestId('settings-saved')).toHaveText('ذخیره شد.');
    await page.reload();
    await expect(page.getByLabel('فاصله (دقیقه)')).toHaveValue('15');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/settings-phone-fa.png', fullPage: true });
  });
});

test.describe('in Persian on a tablet', () => {
  test.use({ locale: 'fa-IR', viewport: { width: 800, height: 1280 } });

  test('HTTPS turned on and off, right to left', async ({ page }) => {
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/settings');
    await hydrated(page);
    await expect(page.getByRole('heading', { name: 'HTTPS در شبکهٔ محلی' })).toBeVisible();
    const state = page.getByTestId('https-state');
    await page.getByRole('button', { name: 'روشن‌کردن HTTPS' }).click();
    await expect(state).toHaveAttribute('data-value', 'on');
    await expect(state).toContainText('روشن است');
    await expect(page.getByTestId('https-fingerprint')).toHaveAttribute('dir', 'ltr');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/settings-https-tablet-fa.png', fullPage: true });
    await page.getByRole('button', { name: 'خاموش‌کردن HTTPS' }).click();
    await expect(state).toHaveText('HTTPS خاموش است.');
  });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false });

  test('HTTPS is turned on and off with plain forms', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/settings');
    await page.getByRole('button', { name: 'Turn HTTPS on' }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByTestId('https-state')).toHaveAttribute('data-value', 'on');
    await page.getByRole('button', { name: 'Turn HTTPS off' }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByTestId('https-state')).toHaveAttribute('data-value', 'off');
  });

  test('the settings form saves, and refuses a bad interval on the page', async ({ page }) => {
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/settings');
    await page.getByLabel('Interval (minutes)').fill('99999');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('alert')).toContainText('from 1 to 10,080');

    await page.getByLabel('Interval (minutes)').fill('20');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page).toHaveURL(/\/settings\??$/);
    await expect(page.getByLabel('Interval (minutes)')).toHaveValue('20');
  });
});
