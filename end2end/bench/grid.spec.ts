// Figures of the import grid for the README, printed, not asserted against the
// clock: on a 100,000-reel warehouse (70,000 importable), the first load (which
// finds the catalogue the server built as it started), a filter change on an
// emulated phone (4× CPU slowdown) until the rows show it, and the server's peak memory through the grid and an
// import of 30,000 reels by "select all matching", with what its requests send
// and its time per reel beside the command line's `import --all`.

import { expect, hydrated, signIn, siteTest } from '../tests/support/site';
import { memory, percentile, widthChangesOnAPhone } from './measure';

const { test, site } = siteTest(100_000);

/** What the command line's `--json` says of a run. */
interface Summary {
  duration_ms: number;
  counts: { imported: number };
}

/** The summary in a `--json` output: a run report, or a logged run's detail (under `run`). */
function summary(output: string): Summary {
  const json = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1));
  return json.run ?? json;
}

test('the import grid: a filter change on an emulated phone, and server memory', async ({ page, context }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/$/);
  const before = memory(site.pid());
  let peak = before.peak;
  const sampler = setInterval(() => (peak = Math.max(peak, memory(site.pid()).rss)), 20);

  // The first load builds the catalogue (one scan of the warehouse).
  let started = Date.now();
  await page.goto('/import');
  await hydrated(page);
  console.log(`import grid, first load (the catalogue was built as the server started): ${Date.now() - started} ms`);

  const times = await widthChangesOnAPhone(page, context);

  // "Select all matching" on a filter of 30,000 reels or more (the commonest
  // GSMs), then "Import selected": what each request sends, and the run's
  // time per reel beside the command line's import of the rest.
  await page.goto('/import');
  await hydrated(page);
  // GSM has few values, each on thousands of reels.
  const gsms = page.getByLabel('GSM', { exact: true }).locator('option');
  const facet = await gsms.evaluateAll((options) =>
    options.slice(1).map((o) => ({
      value: (o as HTMLOptionElement).value,
      count: Number(/\(([\d,]+)\)$/.exec(o.textContent ?? '')?.[1].replaceAll(',', '') ?? 0),
    })),
  );
  const chosen: string[] = [];
  let total = 0;
  for (const { value, count } of facet) {
    if (total >= 30_000) break;
    chosen.push(value);
    total += count;
  }
  await page.goto(`/import?${chosen.map((g) => `gsm=${g}`).join('&')}`);
  await hydrated(page);
  const matching = (await page.getByTestId('matching').getAttribute('data-value')) ?? '';
  console.log(`GSM ${chosen.join(', ')}: ${total} reels by their facet counts, ${matching} matching`);
  const sent = new Map<string, number>();
  page.on('request', (request) => {
    const name = /\/api\/(select-matching|import-selected)/.exec(request.url())?.[1];
    if (name) sent.set(name, Buffer.byteLength(request.postData() ?? ''));
  });
  await page.getByRole('button', { name: 'Select all matching' }).click();
  await expect(page.getByTestId('selected-count')).toHaveAttribute('data-value', matching);
  await page.getByRole('button', { name: 'Import selected' }).click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  await expect(page.getByTestId('run-outcome')).toHaveText(/succeeded|partial/, { timeout: 300_000 });
  const runId = new URL(page.url()).pathname.split('/').pop() ?? '';
  const web = summary((await site.cli(['--json', 'run', runId])).output);
  const cli = summary((await site.cli(['--json', 'import', '--all'])).output);
  clearInterval(sampler);
  const after = memory(site.pid());
  console.log(
    `import grid on an emulated phone (4× CPU): filter change to updated rows median ${percentile(times, 50)} ms, ` +
      `max ${Math.max(...times)} ms over ${times.length}`,
  );
  const perReel = (run: Summary) => ((run.duration_ms * 1000) / run.counts.imported).toFixed(0);
  console.log(
    `"select all matching" of ${matching} reels: request bodies ` +
      `select-matching ${sent.get('select-matching')} B, import-selected ${sent.get('import-selected')} B; ` +
      `the import run ${web.counts.imported} reels in ${web.duration_ms} ms (${perReel(web)} µs a reel), ` +
      `\`reelsync import --all\` of the rest ${cli.counts.imported} reels in ${cli.duration_ms} ms (${perReel(cli)} µs a reel)`,
  );
  console.log(
    `server RSS during the grid and an import of every importable reel by "select all matching": ` +
      `before ${before.rss.toFixed(1)} MB, peak ${Math.max(peak, after.peak).toFixed(1)} MB`,
  );
});
