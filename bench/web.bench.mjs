// The web workbench's figures (issue 20), as JSON: the kernel's node-rows per second in headless Chromium against
// Node on the same programs and rows (interleaved rounds, medians), the time from pressing Start on the bundled
// example to the first expression on screen (cold page, default options), and the built app's gzipped size.
// Targets: Chromium within 25 % of Node, first expression < 2 s, app < 2 MB gzipped. Needs web/dist
// (npm run build:web) and Debian's chromium.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { createWasmEvaluator } from '../dist/sr/eval/wasm-kernel.js';
import { serveStatic } from '../dist/cli/commands/serve.js';
import { runEnvironment } from './run-environment.mjs';
import { workload } from './workloads.mjs';

const APP = join(process.cwd(), 'web/dist');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!existsSync(join(APP, 'index.html'))) throw new Error('web/dist is missing: run npm run build:web');
if (!CHROMIUM) throw new Error('chromium is not installed');
const ROUNDS = Number(process.env.WEB_BENCH_ROUNDS ?? 5);
const SECONDS = 1;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

// 1. the same seeded workload as bench:eval (100 trees of 20 nodes, 5 features, 1000 rows)
const ev = createWasmEvaluator();
const w = workload({ kind: 'arith', rows: 1000, accept: (p, data) => { ev.setDataset(data); return Number.isFinite(ev.losses([p], 'mse')[0]); } });
const plain = {
  programs: w.programs.map((p) => ({ code: [...p.code.subarray(0, 2 * p.length)], consts: [...p.consts], length: p.length, maxStack: p.maxStack, nFeaturesUsed: p.nFeaturesUsed })),
  X: [...w.data.X], y: [...w.data.y], nFeatures: w.data.nFeatures, nRows: w.data.nRows, seconds: SECONDS,
};
function nodeRate() {
  ev.setDataset(w.data);
  for (let i = 0; i < 5; i++) ev.losses(w.programs, 'mse');
  let batches = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < SECONDS * 1000) { ev.losses(w.programs, 'mse'); batches++; elapsed = performance.now() - t0; }
  return (w.totalNodes * w.data.nRows * batches) / (elapsed / 1000);
}

const server = await serveStatic(APP, 0);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction('window.energylens?.ready === true', null, { timeout: 30_000 });
  const node = [];
  const chrome = [];
  for (let r = 0; r < ROUNDS; r++) {
    node.push(nodeRate());
    chrome.push((await page.evaluate((input) => window.energylensBench.kernelRate(input), plain)).nodeRowsPerSec);
  }

  // 2. time from Start to the first expression on screen, default options on the first bundled example, on a fresh
  // page each time: Start pressed as soon as the page is ready (cold: the workers still load), and after the page
  // has been open 3 s (the workers, started at load, are ready)
  const firstMs = { cold: [], open3s: [] };
  for (let r = 0; r < 3; r++) {
    for (const [kind, waitMs] of [['cold', 0], ['open3s', 3000]]) {
      const p = await browser.newPage();
      await p.goto(`${server.url}#sr`);
      await p.waitForFunction('window.energylens?.ready === true', null, { timeout: 30_000 });
      await p.waitForTimeout(waitMs);
      await p.click('#sr-start');
      await p.waitForFunction('window.energylens.sr.firstExpressionMs !== null || window.energylens.sr.error !== null', null, { timeout: 120_000 });
      const sr = await p.evaluate('({ first: window.energylens.sr.firstExpressionMs, error: window.energylens.sr.error })');
      if (sr.error) throw new Error(sr.error);
      firstMs[kind].push(sr.first);
      await p.close();
    }
  }

  // 3. the built app's size: every file gzipped, and the files a browser fetches (KaTeX's .ttf/.woff fallbacks are
  // never fetched where woff2 is supported)
  const files = [];
  const walk = (dir) => { for (const f of readdirSync(dir)) { const p = join(dir, f); if (statSync(p).isDirectory()) walk(p); else files.push(p); } };
  walk(APP);
  const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
  const totalGz = files.reduce((s, f) => s + gz(f), 0);
  const fetchedGz = files.filter((f) => !/\.(ttf|woff)$/.test(f)).reduce((s, f) => s + gz(f), 0);

  const nodeMedian = median(node);
  const chromeMedian = median(chrome);
  const out = {
    benchmark: 'web', ...runEnvironment(), chromium: browser.version(),
    workload: { trees: w.programs.length, nodes: w.totalNodes, rows: w.data.nRows, features: w.data.nFeatures, rounds: ROUNDS, secondsPerRound: SECONDS },
    kernel: {
      nodeRowsPerSecNode: Math.round(nodeMedian), nodeRowsPerSecChromium: Math.round(chromeMedian),
      chromiumOverNode: Number((chromeMedian / nodeMedian).toFixed(3)), target: 'chromium >= 0.75 x node',
      roundsNode: node.map(Math.round), roundsChromium: chrome.map(Math.round),
    },
    firstExpression: {
      medianMsPageOpen3s: Math.round(median(firstMs.open3s)), medianMsCold: Math.round(median(firstMs.cold)),
      runsMsPageOpen3s: firstMs.open3s.map(Math.round), runsMsCold: firstMs.cold.map(Math.round), target: '< 2000 ms',
    },
    size: { files: files.length, gzippedBytes: totalGz, fetchedGzippedBytes: fetchedGz, target: '< 2 MB gzipped' },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await browser.close();
  await server.close();
  ev.dispose();
}
