// The forms as a browser without the wasm sees them: a slow phone before the wasm
// arrives, or one that never runs it. Every form must land on a page.

import { expect, signIn, siteTest } from './support/site';

const { test } = siteTest();
test.use({ javaScriptEnabled: false });

test('a wrong password lands back on the login form with the error', async ({ page }) => {
  await signIn(page, { pass: 'not-the-password', wasm: false });
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByTestId('login-error')).toHaveText('Wrong username or password.');
  await expect(page.getByLabel('Password')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
});

test('the right password opens the dashboard, and signing out ends the session', async ({
  page,
}) => {
  await signIn(page, { wasm: false });
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('importable')).toBeVisible();

  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('the tablet layout works without the wasm too', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 1280 });
  await signIn(page, { pass: 'still-wrong', wasm: false });
  await expect(page.getByTestId('login-error')).toHaveText('Wrong username or password.');
});
