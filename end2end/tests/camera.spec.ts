// Scanning with the camera: Chromium's fake camera plays a video of a reel's QR
// code, and the reel is selected on the import grid (in English on a phone) and
// picked on the products screen (in Persian on a tablet), through the same path
// as the scan field. Debian's Chromium has no BarcodeDetector on Linux, so this
// is the rqrr decoder, fetched as its own wasm chunk when the camera opens.
// Loopback is a secure context: no HTTPS needed here.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import config from '../playwright.config';
import { collectErrors, expect, hydrated, persian, signIn, siteTest } from './support/site';

// The demo warehouse's first reel (seed 7): in stock, importable.
const reel = 'R23-000001';

/**
 * A Y4M video (what Chromium's fake camera plays, looped) of `text` as a QR
 * code, black on white in the middle of a 640×480 frame.
 */
function qrVideo(text: string): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const { size } = qr.modules;
  const [width, height, scale, quiet] = [640, 480, 10, 4];
  const side = (size + 2 * quiet) * scale;
  const [left, top] = [(width - side) >> 1, (height - side) >> 1];
  // Video range: 16 is black, 235 white; the colour planes stay neutral.
  const luma = Buffer.alloc(width * height, 235);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!qr.modules.get(row, col)) continue;
      for (let y = 0; y < scale; y++) {
        const start = (top + (quiet + row) * scale + y) * width + left + (quiet + col) * scale;
        luma.fill(16, start, start + scale);
      }
    }
  }
  const chroma = Buffer.alloc((width * height) / 4, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  const file = join(mkdtempSync(join(tmpdir(), 'reelsync-camera-')), 'qr.y4m');
  writeFileSync(file, Buffer.concat([header, ...Array(10).fill(frame)]));
  return file;
}

// The warehouse app names each reel's QR image after its reel number: a code
// holding that image's path reads as the reel too.
const video = qrVideo(`/media/qr_codes/${reel}.png`);

const { test } = siteTest();
test.describe.configure({ mode: 'serial' });
// The project's launch options, and the fake camera.
const launchOptions = config.use?.launchOptions ?? {};
test.use({
  permissions: ['camera'],
  launchOptions: {
    ...launchOptions,
    args: [
      ...(launchOptions.args ?? []),
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  },
});

test.describe('in English on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test('the camera reads a reel and the import grid selects it', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page);
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/import');
    await hydrated(page);
    await expect(page.getByTestId('selected-count')).toHaveAttribute('data-value', '0');

    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.getByRole('button', { name: 'Scan with camera', exact: true }).click();
    await expect(page.getByTestId('camera').locator('video')).toBeVisible();

    await expect(page.getByTestId('scan-said')).toContainText(reel, { timeout: 20_000 });
    await expect(page.getByTestId('selected-count')).toHaveAttribute('data-value', '1');
    // The same code seen again and again is one scan, not a toggle per frame.
    await page.waitForTimeout(1_500);
    await expect(page.getByTestId('selected-count')).toHaveAttribute('data-value', '1');
    // The decoder came as a chunk of its own, once the camera opened.
    expect(requests.some((url) => /\/pkg\/.*decode_qr.*\.wasm/.test(url))).toBe(true);

    await page.getByRole('button', { name: 'Close camera', exact: true }).click();
    await expect(page.getByTestId('camera')).toHaveCount(0);
    // Imported, for the products screen below: its box took the tick, and the
    // grid's boxes go with "Import selected".
    await expect(page.getByLabel(reel, { exact: true })).toBeChecked();
    await page.getByTestId('import-bar').getByRole('button', { name: /^Import selected/ }).click();
    await expect(page).toHaveURL(/\/runs\/\d+$/);
    await expect(page.getByTestId('run-outcome')).toHaveText('succeeded', { timeout: 30_000 });
    expect(errors).toEqual([]);
  });
});

test.describe('in Persian on a tablet', () => {
  test.use({ viewport: { width: 800, height: 1280 }, locale: 'fa-IR' });

  test('the camera picks a tracked reel on the products screen', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page, { labels: persian });
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/products');
    await hydrated(page);
    await page.getByRole('button', { name: 'اسکن با دوربین', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]sel=${reel}`), { timeout: 20_000 });
    await expect(page.locator(`[data-reel="${reel}"] input[type="checkbox"]`).first()).toBeChecked();
    // The camera stays open for the next reel.
    await expect(page.getByTestId('camera')).toBeVisible();
    expect(errors).toEqual([]);
  });
});
