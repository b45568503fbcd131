// What the browser tests share: Debian's chromium (headless, driven by playwright-core) on the built app (web/dist,
// made by `npm run build:web`, which `npm test`'s pretest runs) served by `energylens serve`'s server; the reason
// they are skipped where chromium or the built app is missing; console errors collected; a check for clipped text.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serveStatic, type StaticServer } from '../../src/cli/commands/serve.js';

export const ROOT = process.cwd();
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const APP = join(ROOT, 'web/dist');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((c) => existsSync(c) && spawnSync(c, ['--version']).status === 0);
const BUILT = existsSync(join(APP, 'index.html'));
export const skipReason = !CHROMIUM ? 'chromium is not installed (apt-get install chromium)' : !BUILT ? 'the web app is not built (npm run build:web)' : '';

export interface Workbench {
  page: Page;
  url: string;
  /** console errors and page errors seen so far */
  problems: string[];
  close(): Promise<void>;
}

/** The app in a fresh headless chromium, on `hash`, once its kernel is loaded. */
export async function openWorkbench(hash: string): Promise<Workbench> {
  const { chromium } = await import('playwright-core');
  mkdirSync(ARTIFACTS, { recursive: true });
  const server: StaticServer = await serveStatic(APP, 0);
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${server.url}${hash}`);
  await waitFor(page, 'window.energylens?.ready === true', 60_000);
  return { page, url: server.url, problems, close: async () => { await browser.close(); await server.close(); } };
}

/** Text a reader would see cut: a box narrower than its content (run in the page; this file has no DOM types). */
export const clippedText = (p: Page): Promise<string[]> => p.evaluate(`[...document.querySelectorAll('section:not([hidden]) :is(td, th, p, h2, h3, label, button, legend)')]
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.tagName + ': ' + (el.textContent || '').slice(0, 60))`);

export const waitFor = (p: Page, condition: string, timeout: number): Promise<unknown> => p.waitForFunction(condition, null, { timeout, polling: 250 });

/**
 * The same search or fit gives the same numbers in the page and in Node only when both JavaScript engines compute
 * the Math functions the engine's TypeScript uses bit for bit alike (Node 20's V8 and a newer Chromium's may not:
 * Chromium 156.0.8078.114 against Node 20 drew a different search from the same seed, at this session's start commit
 * too). This compares them on a fixed grid; tests assert page == Node exactly only when it holds.
 */
const MATH_PROBE = `(() => { const out = []; for (let i = 1; i <= 4000; i++) { const x = i * 0.0137;
  out.push(Math.exp(x / 7), Math.log(x), Math.pow(x, 1.37), Math.sin(x), Math.cos(x), Math.tanh(x - 20), Math.exp(-x), Math.sqrt(x), Math.atan(x), Math.log1p(x), Math.expm1(x / 9), Math.cbrt(x)); }
  return out.join(','); })()`;
export async function mathMatchesNode(p: Page): Promise<boolean> {
  return (await p.evaluate(MATH_PROBE)) === (0, eval)(MATH_PROBE);
}
