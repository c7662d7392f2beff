// What the benchmarks measure with: percentiles, and a process's memory.

import { readFileSync, writeFileSync } from 'node:fs';

import { type BrowserContext, type Page, expect } from '@playwright/test';

export function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A process's resident and peak memory, in MB, from /proc. */
export function memory(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Starts a process's peak memory (VmHWM) again from what it holds now. */
export function resetPeak(pid: number) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Times ten width filter changes of a list on an emulated phone (360 px, 4×
 * CPU slowdown), each in the page from the form's submit to the frame after the
 * first row shows the new width: Playwright's own polling would add its
 * intervals. The list's filter form is open at its address; the times in ms.
 */
export async function widthChangesOnAPhone(page: Page, context: BrowserContext) {
  await page.setViewportSize({ width: 360, height: 740 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const times: number[] = [];
  const widths = page.getByLabel('Width', { exact: true }).locator('option');
  for (let i = 1; i <= 10; i++) {
    const value = (await widths.nth(i).getAttribute('value')) ?? '';
    const elapsed = await page.evaluate(
      (value) =>
        new Promise<number>((done) => {
          const start = performance.now();
          const shown = () =>
            document.querySelector('tbody tr[data-reel] td[data-column="width"]')?.textContent?.trim() === value;
          const observer = new MutationObserver(() => {
            if (!shown()) return;
            observer.disconnect();
            requestAnimationFrame(() => done(performance.now() - start));
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          const select = document.querySelector('#grid-width') as HTMLSelectElement;
          select.value = value;
          select.form?.requestSubmit(document.querySelector('.filter-buttons button[type="submit"]') as HTMLElement);
        }),
      value,
    );
    await expect(page).toHaveURL(new RegExp(`width=${value}`));
    times.push(Math.round(elapsed));
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  return times;
}
