// Persian and English: chosen from Accept-Language, switched by the user, kept in a
// cookie; right to left in Persian from the first server render, with or without
// the wasm.

import { type Page } from '@playwright/test';
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

const { test, site } = siteTest();

async function expectLanguage(page: Page, lang: 'fa' | 'en') {
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await expect(page.locator('html')).toHaveAttribute('dir', lang === 'fa' ? 'rtl' : 'ltr');
}

test.describe('a phone set to Persian', () => {
  test.use({ locale: 'fa-IR' });

  test('gets the login page in Persian, right to left, from the server', async ({ page }) => {
    const errors = collectErrors(page);
    const response = await page.goto('/login');
    // The first byte already says so: no flash of English, no hydration mismatch.
    const html = await response!.text();
    expect(html).toMatch(/<html[^>]*lang="fa"/);
    expect(html).toMatch(/<html[^>]*dir="rtl"/);
    await hydrated(page);
    await expectLanguage(page, 'fa');
    await expect(page.getByRole('heading', { name: 'ورود' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'English' })).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/login-phone-fa.png' });
    expect(errors).toEqual([]);
  });

  test('signs in and sees the dashboard in Persian digits', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await hydrated(page);
    await expectLanguage(page, 'fa');
    await expect(page.getByRole('heading', { name: 'پیشخوان' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'پیشخوان' })).toHaveAttribute('aria-current', 'page');
    const importable = page.getByTestId('importable');
    // The hook is the same number in every language; the text is in Persian digits.
    await expect(importable).toHaveAttribute('data-value', String(site.demo.in_stock));
    const inPersianDigits = String(site.demo.in_stock).replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]);
    await expect(importable.locator('.stat-value')).toHaveText(inPersianDigits);
    await expect(page.getByTestId('last-run')).toContainText('هنوز هیچ همگام‌سازی اجرا نشده است.');
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/dashboard-phone-fa.png', fullPage: true });

    await page.setViewportSize({ width: 800, height: 1280 });
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: 'screenshots/dashboard-tablet-fa.png', fullPage: true });
    expect(errors).toEqual([]);
  });

  test('switches to English at once, and the choice survives a reload', async ({ page }) => {
    await page.goto('/login');
    await hydrated(page);
    // The page switches at once; the cookie that keeps the choice comes from a
    // call made in the background, which the reload must not overtake.
    const kept = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/language'));
    await page.getByRole('button', { name: 'English' }).click();
    await expectLanguage(page, 'en');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'فارسی' })).toBeVisible();
    await kept;
    await page.reload();
    await expectLanguage(page, 'en');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

    // And back, for the other tests of this browser context.
    await hydrated(page);
    await page.getByRole('button', { name: 'فارسی' }).click();
    await expectLanguage(page, 'fa');
  });
});

test.describe('without the wasm', () => {
  test.use({ javaScriptEnabled: false, locale: 'en-GB' });

  test('the language switch is a form that lands back on the page', async ({ page }) => {
    await page.goto('/login');
    await expectLanguage(page, 'en');
    await page.getByRole('button', { name: 'فارسی' }).click();
    await expect(page).toHaveURL(/\/login\??$/);
    await expectLanguage(page, 'fa');
    await expect(page.getByRole('heading', { name: 'ورود' })).toBeVisible();

    await page.getByLabel(persian.username).fill(admin);
    await page.getByLabel(persian.password).fill('wrong-password');
    await page.getByRole('button', { name: persian.submit, exact: true }).click();
    await expect(page.getByTestId('login-error')).toHaveText('نام کاربری یا گذرواژه نادرست است.');
  });
});
