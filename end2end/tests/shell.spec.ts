// The frame around every signed-in page: on a phone a bar at the bottom with the
// places most used and "More" for the rest, on a tablet every place in the header;
// in both languages, with the wasm and before it.

import { type Page } from '@playwright/test';
import {
  collectErrors,
  english,
  expect,
  expectNoHorizontalOverflow,
  hydrated,
  persian,
  signIn,
  siteTest,
  type LoginLabels,
} from './support/site';

const { test } = siteTest();

const phone = { width: 360, height: 740 };
const tablet = { width: 800, height: 1280 };

interface Words {
  labels: LoginLabels;
  more: string;
  /** Each place's accessible name, its path and its heading. */
  places: { name: string; path: RegExp; heading: string; onBar: boolean }[];
}

const en: Words = {
  labels: english,
  more: 'More',
  places: [
    { name: 'Dashboard', path: /\/$/, heading: 'Dashboard', onBar: true },
    { name: 'Import', path: /\/import$/, heading: 'Import', onBar: true },
    { name: 'Runs', path: /\/runs$/, heading: 'Runs', onBar: true },
    { name: 'Products', path: /\/products$/, heading: 'Products', onBar: true },
    { name: 'Conflicts', path: /\/conflicts$/, heading: 'Conflicts', onBar: false },
    { name: 'Drift', path: /\/drift$/, heading: 'Drift', onBar: false },
    { name: 'Mappings', path: /\/mappings$/, heading: 'Field mappings', onBar: false },
    { name: 'Activity', path: /\/activity$/, heading: 'Activity', onBar: false },
    { name: 'Users', path: /\/users$/, heading: 'Users', onBar: false },
    { name: 'Settings', path: /\/settings$/, heading: 'Settings', onBar: false },
  ],
};

const fa: Words = {
  labels: persian,
  more: 'بیشتر',
  places: [
    { name: 'پیشخوان', path: /\/$/, heading: 'پیشخوان', onBar: true },
    { name: 'ورود رول‌ها', path: /\/import$/, heading: 'ورود رول‌ها', onBar: true },
    { name: 'اجراها', path: /\/runs$/, heading: 'اجراها', onBar: true },
    { name: 'محصولات', path: /\/products$/, heading: 'محصولات', onBar: true },
    { name: 'تعارض‌ها', path: /\/conflicts$/, heading: 'تعارض‌ها', onBar: false },
    { name: 'ناهمخوانی', path: /\/drift$/, heading: 'ناهمخوانی', onBar: false },
    { name: 'نگاشت‌ها', path: /\/mappings$/, heading: 'نگاشت فیلدها', onBar: false },
    { name: 'رویدادها', path: /\/activity$/, heading: 'رویدادها', onBar: false },
    { name: 'کاربران', path: /\/users$/, heading: 'کاربران', onBar: false },
    { name: 'تنظیمات', path: /\/settings$/, heading: 'تنظیمات', onBar: false },
  ],
};

function nav(page: Page) {
  return page.getByRole('navigation').first();
}

/** Every place, reached by its accessible name on a phone (through More for the rest). */
async function everyPlaceOnAPhone(page: Page, words: Words, shot: string) {
  const more = page.getByRole('button', { name: words.more });
  for (const place of words.places) {
    if (!place.onBar) {
      await expect(page.getByRole('link', { name: place.name, exact: true })).toBeHidden();
      await more.click();
    }
    const link = page.getByRole('link', { name: place.name, exact: true });
    await expect(link).toBeVisible();
    await link.click();
    await expect(page).toHaveURL(place.path);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(place.heading);
    if (!place.onBar) {
      // The sheet closed behind the link it followed; opened again, it marks the page.
      await expect(page.locator('#more-sheet')).toBeHidden();
      await more.click();
      await page.screenshot({ path: `screenshots/${shot}-more.png` });
    }
    await expect(page.getByRole('link', { name: place.name, exact: true })).toHaveAttribute(
      'aria-current',
      'page',
    );
    if (!place.onBar) {
      await page.keyboard.press('Escape');
      await expect(page.locator('#more-sheet')).toBeHidden();
    }
  }
  // The bar sits at the bottom of the screen, and stays there while the page scrolls.
  const bar = nav(page);
  const box = await bar.boundingBox();
  expect(box!.y + box!.height).toBeGreaterThanOrEqual(phone.height - 1);
  expect(box!.height).toBeGreaterThanOrEqual(48);
  await page.mouse.wheel(0, 600);
  const after = await bar.boundingBox();
  expect(after!.y).toBeCloseTo(box!.y, 0);
  await expectNoHorizontalOverflow(page);
}

/** Every place, reached by its accessible name in a tablet's header; no More. */
async function everyPlaceOnATablet(page: Page, words: Words) {
  await expect(page.getByRole('button', { name: words.more })).toBeHidden();
  for (const place of words.places) {
    const link = page.getByRole('link', { name: place.name, exact: true });
    await expect(link).toBeVisible();
    await link.click();
    await expect(page).toHaveURL(place.path);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(place.heading);
  }
  await expectNoHorizontalOverflow(page);
}

for (const [language, words, locale] of [
  ['English', en, 'en-US'],
  ['Persian', fa, 'fa-IR'],
] as const) {
  test.describe(`in ${language}`, () => {
    test.use({ locale });

    test('a phone reaches every place from the bottom bar and its More sheet', async ({ page }) => {
      const errors = collectErrors(page);
      await page.setViewportSize(phone);
      await signIn(page, { labels: words.labels });
      await expect(page).toHaveURL(/\/$/);
      await hydrated(page);
      await page.screenshot({ path: `screenshots/shell-phone-${locale}.png` });
      await everyPlaceOnAPhone(page, words, `shell-phone-${locale}`);
      expect(errors).toEqual([]);
    });

    test('a tablet shows every place in the header', async ({ page }) => {
      const errors = collectErrors(page);
      await page.setViewportSize(tablet);
      await signIn(page, { labels: words.labels });
      await expect(page).toHaveURL(/\/$/);
      await hydrated(page);
      await everyPlaceOnATablet(page, words);
      await page.screenshot({ path: `screenshots/shell-tablet-${locale}.png` });
      expect(errors).toEqual([]);
    });
  });
}

test.describe('before the wasm', () => {
  test.use({ javaScriptEnabled: false });

  test('the bar and its More sheet work as plain links and a native popover', async ({ page }) => {
    await page.setViewportSize(phone);
    await signIn(page, { wasm: false });
    await expect(page).toHaveURL(/\/$/);
    await everyPlaceOnAPhone(page, en, 'shell-phone-no-wasm');
    await page.setViewportSize(tablet);
    await everyPlaceOnATablet(page, en);
  });
});
