// The energy page before its first model: no table of empty headers, a short hint in each results panel instead;
// once a model is there (a model file loaded, the quickest way) the tables show and the hints go. In headless
// chromium on the built app (test/browser/browser-page.ts); skipped, with the reason, where either is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, clippedText, openWorkbench, ROOT, skipReason, waitFor, type Workbench } from './browser-page.js';

if (skipReason) console.warn(`test/browser/energy-empty.test.ts skipped: ${skipReason}`);

let app: Workbench;
let page: Page;

describe.skipIf(skipReason !== '')(`energy page before a model${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    app = await openWorkbench('#energy');
    page = app.page;
  }, 120_000);
  afterAll(async () => { await app?.close(); });

  it('shows a hint, not empty table headers, until a model is fitted or loaded; then the tables', async () => {
    for (const table of ['#en-params', '#en-ranking']) expect(await page.isVisible(table), table).toBe(false);
    expect(await page.textContent('#en-model-hint')).toMatch(/No model yet: .*Fit.*model file/);
    expect(await page.textContent('#en-ranking-hint')).toMatch(/once there is a model/);
    expect(await page.isVisible('#en-model-hint')).toBe(true);
    expect(await page.isVisible('#en-ranking-hint')).toBe(true);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'workbench-energy-empty.png'), fullPage: true });

    await page.setInputFiles('#en-json', join(ROOT, 'models/mlenergy-v3.json'));
    await waitFor(page, 'window.energylens.energy.source !== null && window.energylens.energy.source !== undefined', 60_000);
    for (const table of ['#en-params', '#en-ranking']) expect(await page.isVisible(table), table).toBe(true);
    expect(await page.locator('#en-params tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#en-ranking tbody tr').count()).toBeGreaterThan(0);
    expect(await page.isVisible('#en-model-hint')).toBe(false);
    expect(await page.isVisible('#en-ranking-hint')).toBe(false);
    expect(app.problems).toEqual([]);
  }, 120_000);
});
