// A reelsync server of the release build for one test file: its own data
// directory, a demo warehouse of fixed content, two known users and a free loopback
// port. Each file starts one in `test.beforeAll`, so files never see each other's
// runs or sessions.

import { test as base, expect, type Page } from '@playwright/test';
import {
  execFileSync,
  spawn,
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
} from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const binary = process.env.REELSYNC_BIN ?? join(root, 'target/release/reelsync');

/** The demo warehouse's summary, as `reelsync --json demo-db` prints it. */
export interface Demo {
  reels: number;
  in_stock: number;
  sold: number;
  delivered: number;
}

export const admin = 'e2e-admin';
export const clerk = 'e2e-clerk';
export const password = 'e2e-password-123';

/** How a run of the command line ended: its exit code and output. */
export interface CliResult {
  code: number | null;
  output: string;
}

/** A running server and what it was started with. */
export class Site {
  url = '';
  demo: Demo = { reels: 0, in_stock: 0, sold: 0, delivered: 0 };
  private child?: ChildProcess;
  private dir = '';
  private env: NodeJS.ProcessEnv = {};

  /** Starts the server on a fresh demo warehouse of `reels` reels. */
  async start(reels = 300): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'reelsync-e2e-'));
    const env = {
      ...process.env,
      REELSYNC_DATA_DIR: join(this.dir, 'data'),
      REELSYNC_EXTERNAL: join(this.dir, 'warehouse.sqlite3'),
      LEPTOS_SITE_ROOT: join(root, 'target/site'),
      LEPTOS_ENV: 'PROD',
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    };
    this.env = env;
    const run = (args: string[], input?: string) =>
      execFileSync(binary, args, { env: { ...env, REELSYNC_PASSWORD: password }, input }).toString();
    this.demo = JSON.parse(
      run(['--json', 'demo-db', env.REELSYNC_EXTERNAL, '--reels', String(reels), '--seed', '7']),
    );
    run(['user', 'add', admin, '--superuser']);
    run(['user', 'add', clerk]);

    const port = await freePort();
    // HTTPS, once the Settings page turns it on, on a port of its own too.
    env.REELSYNC_HTTPS_ADDR = `127.0.0.1:${await freePort()}`;
    this.url = `http://127.0.0.1:${port}`;
    const log = openSync(join(this.dir, 'server.log'), 'w');
    this.child = spawn(binary, ['serve', '--addr', `127.0.0.1:${port}`], {
      env,
      stdio: ['ignore', log, log],
    });
    await this.waitUntilUp();
  }

  /**
   * Starts `reelsync <args>` on the server's data directory and warehouse, as an
   * operator over SSH would (a run of another process); resolves with its exit
   * code and output once it ends.
   */
  cli(args: string[]): Promise<CliResult> {
    return this.spawnCli(args).ended;
  }

  /**
   * Starts `reelsync <args>` as [`cli`](#cli) does and pauses it (`SIGSTOP`) as
   * soon as its run holds the run lease, so a test sees the run in progress for
   * as long as it needs, however fast the run or slow the machine. `resume`
   * lets it go on and resolves once it ends.
   */
  async pausedRun(args: string[]): Promise<{ resume: () => Promise<CliResult> }> {
    const { child, ended, output } = this.spawnCli(args);
    const lease = join(this.dir, 'data', 'run.lock');
    const holdsLease = () => {
      try {
        const holder = JSON.parse(readFileSync(lease, 'utf8'));
        return holder.who === 'cli:root' && holder.run_id != null;
      } catch {
        return false;
      }
    };
    for (let waited = 0; !holdsLease(); waited += 10) {
      if (child.exitCode !== null || waited > 30_000) {
        child.kill();
        throw new Error(`reelsync ${args.join(' ')} never held the run lease:\n${output()}`);
      }
      await new Promise((tick) => setTimeout(tick, 10));
    }
    child.kill('SIGSTOP');
    return {
      resume: () => {
        child.kill('SIGCONT');
        return ended;
      },
    };
  }

  /** `reelsync <args>` started as `root`; `output` so far, and its end. */
  private spawnCli(args: string[]): {
    child: ChildProcessWithoutNullStreams;
    ended: Promise<CliResult>;
    output: () => string;
  } {
    const child = spawn(binary, args, { env: { ...this.env, USER: 'root' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const ended = new Promise<CliResult>((done) => child.on('exit', (code) => done({ code, output })));
    return { child, ended, output: () => output };
  }

  /**
   * Runs `sql` on the warehouse file as the warehouse app would: another
   * process with its own connection (Debian's `sqlite3`), waiting out a reader.
   */
  warehouseApp(sql: string): string {
    const file = join(this.dir, 'warehouse.sqlite3');
    return execFileSync('sqlite3', ['-cmd', '.timeout 5000', file, sql]).toString();
  }

  /** Stops the server; prints its log when a test of the file failed. */
  async stop(printLog: boolean): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((done) => this.child?.once('exit', done));
      this.child.kill('SIGTERM');
      await exited;
    }
    if (printLog) console.log(`--- server log ---\n${this.log()}`);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's process id. */
  pid(): number {
    return this.child?.pid ?? 0;
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  private async waitUntilUp(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) throw new Error(`reelsync exited:\n${this.log()}`);
      try {
        if ((await fetch(`${this.url}/login`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`reelsync did not start in 30 s:\n${this.log()}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Playwright's `test`, with a server for the file it is used in: started before the
 * file's first test, stopped after its last, and the base URL of every page.
 */
export function siteTest(reels = 300) {
  const site = new Site();
  const test = base.extend({
    baseURL: async ({}, use) => use(site.url),
    // A failed test prints the page's requests that failed, were refused or
    // never finished: a page that did not hydrate says why.
    page: async ({ page }, use, info) => {
      const problems: string[] = [];
      const pending = new Map<object, string>();
      page.on('request', (request) => pending.set(request, request.url()));
      page.on('requestfinished', (request) => pending.delete(request));
      page.on('requestfailed', (request) => {
        pending.delete(request);
        problems.push(`failed: ${request.url()} (${request.failure()?.errorText})`);
      });
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
        if (response.request().resourceType() === 'document') {
          const csp = response.headers()['content-security-policy']?.slice(0, 40);
          problems.push(`document ${response.status()}: ${response.url()} (${csp})`);
        }
      });
      await use(page);
      if (info.status !== info.expectedStatus) {
        const unfinished = [...pending.values()].map((url) => `unfinished: ${url}`);
        console.log(`--- the page's requests ---\n${[...problems, ...unfinished].join('\n')}`);
      }
    },
  });
  let failed = false;
  test.beforeAll(async () => site.start(reels));
  test.afterEach(async ({}, info) => {
    failed ||= info.status !== info.expectedStatus;
  });
  test.afterAll(async () => site.stop(failed));
  return { test, site };
}

/** The login form's labels in one language. */
export interface LoginLabels {
  username: string;
  password: string;
  submit: string;
}

export const english: LoginLabels = { username: 'Username', password: 'Password', submit: 'Sign in' };
export const persian: LoginLabels = { username: 'نام کاربری', password: 'گذرواژه', submit: 'ورود' };

/**
 * Opens the login page and sends its form, found by its labels in the page's
 * language. With `wasm` (the default) it first waits for hydration, so the form
 * goes by `fetch`; without, it is the browser's own form post.
 */
export async function signIn(
  page: Page,
  {
    username = admin,
    pass = password,
    labels = english,
    wasm = true,
  }: { username?: string; pass?: string; labels?: LoginLabels; wasm?: boolean } = {},
) {
  await page.goto('/login');
  if (wasm) await hydrated(page);
  await page.getByLabel(labels.username).fill(username);
  await page.getByLabel(labels.password).fill(pass);
  await page.getByRole('button', { name: labels.submit, exact: true }).click();
}

/**
 * Sets the new-reel policy to "import them with every full sync", so a Sync now
 * on a fresh demo warehouse imports (and so lasts a while).
 */
export async function importWithEverySync(page: Page) {
  await page.goto('/settings');
  await hydrated(page);
  await page.locator('select[name="auto_import"]').selectOption('all');
  // The settings form's own button (the HTTPS panel's forms follow it).
  await page.locator('form:has(select[name="auto_import"]) button[type="submit"]').last().click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
}

/**
 * From now on, notes whether a busy button reading `text` ever shows, for a state
 * that may last only a moment (a run asked to stop stops at its next page).
 * Returns a check of whether it has shown so far.
 */
export async function noteBusyButton(page: Page, text: string): Promise<() => Promise<boolean>> {
  await page.evaluate((text) => {
    const seen = ((window as any).busySeen ??= new Set<string>());
    new MutationObserver(() => {
      for (const button of document.querySelectorAll('button[aria-busy="true"]')) {
        if (button.textContent === text) seen.add(text);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }, text);
  return () => page.evaluate((text) => (window as any).busySeen.has(text) as boolean, text);
}

/** Waits until the wasm has hydrated the page (buttons work from then on). */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Fails if the page is wider than the viewport (sideways scrolling on a phone). */
export async function expectNoHorizontalOverflow(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

/**
 * Collects console errors and uncaught exceptions (CSP violations, hydration
 * bugs), each with the address it came from.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

export { expect };
