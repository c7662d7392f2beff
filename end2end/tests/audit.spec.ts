// Every page, in English and in Persian, on a phone and on a tablet: an
// accessibility audit with axe-core (no serious or critical violation), no
// sideways scrolling, no console errors, and a screenshot of each.

import AxeBuilder from '@axe-core/playwright';
import { type Page } from '@playwright/test';
import {
  collectErrors,
  english,
  expect,
  expectNoHorizontalOverflow,
  hydrated,
  type LoginLabels,
  persian,
  signIn,
  siteTest,
} from './support/site';

const { test, site } = siteTest(300);

/** The pages behind the session, by the name their screenshots get. */
const pages: [string, string][] = [
  ['dashboard', '/'],
  ['import', '/import'],
  ['runs', '/runs'],
  ['run', '/runs/1'],
  ['run-undo', '/runs/1?undo'],
  ['preview', '/preview'],
  ['check', '/check'],
  ['drift', '/drift'],
  ['conflicts', '/conflicts'],
  ['conflicts-preview', '/conflicts?keep=office&sel=NO-SUCH-REEL'],
  ['products', '/products'],
  ['products-confirm', '/products?sel=NO-SUCH-REEL&to=Sold'],
  ['reel', '/products/R23-000001'],
  ['mappings', '/mappings'],
  ['mappings-refused', '/mappings?draft[0][field]=reel_number&draft[0][column]=no_such_column'],
  ['activity', '/activity'],
  ['users', '/users'],
  ['account', '/account'],
  ['settings', '/settings'],
  ['https', '/https'],
];

const sizes = [
  { name: 'phone', viewport: { width: 360, height: 740 } },
  { name: 'tablet', viewport: { width: 800, height: 1280 } },
];

const languages: { code: string; locale: string; labels: LoginLabels }[] = [
  { code: 'en', locale: 'en-GB', labels: english },
  { code: 'fa', locale: 'fa-IR', labels: persian },
];

/** axe-core's serious and critical findings on the page as it is now. */
async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

async function audit(page: Page, name: string) {
  await hydrated(page);
  expect(await seriousViolations(page), `${name}: axe-core`).toEqual([]);
  await expectNoHorizontalOverflow(page);
  await page.screenshot({ path: `screenshots/audit/${name}.png`, fullPage: true });
}

test.beforeAll(async () => {
  // One logged run, for the run page and the history.
  const { code, output } = await site.cli(['import', '--all']);
  expect(code, output).toBe(0);
  // One conflict, for the inbox's cards: sold and written, then cancelled in
  // the warehouse while the office delivered it.
  const reel = site
    .warehouseApp(`SELECT reel_number FROM Products WHERE status = 'In-stock' ORDER BY id LIMIT 1`)
    .trim();
  await site.cli(['product', 'set-status', 'Sold', reel]);
  await site.cli(['sync']);
  site.warehouseApp(`
    UPDATE Products SET status = 'In-stock', last_date = NULL,
      logs = coalesce(logs, '') || char(10) || 'cancelled'
    WHERE reel_number = '${reel}';
  `);
  await site.cli(['product', 'set-status', 'Delivered', reel]);
  await site.cli(['sync']);
});

for (const language of languages) {
  for (const size of sizes) {
    test.describe(`${language.code} on a ${size.name}`, () => {
      test.use({ locale: language.locale, viewport: size.viewport });

      test('every page passes the audit', async ({ page }) => {
        // axe-core takes about a second a page here (several on the longest
        // lists), and this test audits every page: the default minute is
        // the whole of it on a quiet machine, so a busy one needs room.
        test.setTimeout(pages.length * 10_000);
        const errors = collectErrors(page);
        await page.goto('/login');
        await audit(page, `login-${size.name}-${language.code}`);
        await expect(page.locator('html')).toHaveAttribute('lang', language.code);

        await signIn(page, { labels: language.labels });
        await expect(page).toHaveURL(/\/$/);
        for (const [name, path] of pages) {
          await page.goto(path);
          await audit(page, `${name}-${size.name}-${language.code}`);
          await expect(page.locator('html')).toHaveAttribute('dir', language.code === 'fa' ? 'rtl' : 'ltr');
        }
        expect(errors).toEqual([]);
      });
    });
  }
}
