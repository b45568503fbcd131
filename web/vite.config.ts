/**
 * The web workbench's build: the package's own src/ bundled for the browser (nothing copied). Node-only modules
 * that the engine and the application import but never call on the browser's paths are replaced by small
 * substitutes (web/src/shims/; vega too, the report's charts being drawn on the server only); csv-parse and csv-stringify get their browser builds; the kernel is build/release.wasm, emitted as an
 * asset. `base: './'` makes the built app work from any folder and offline once loaded.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const shim = (name: string): string => fileURLToPath(new URL(`./src/shims/${name}`, import.meta.url));

/** The dataset fingerprint hashes with node:crypto; the browser's is a synchronous FNV-1a over the same bytes. */
function browserFingerprint(): Plugin {
  return {
    name: 'energylens-browser-fingerprint',
    enforce: 'pre',
    resolveId(source, importer) {
      if (/(^|\/)(workers\/)?fingerprint\.js$/.test(source) && importer && !importer.includes('shims')) return shim('fingerprint.ts');
      return null;
    },
  };
}

/** In the island workers, node:module (mathjs for simplification during the search, off by default) is left out. */
function workerNodeModule(): Plugin {
  return {
    name: 'energylens-worker-node-module',
    enforce: 'pre',
    resolveId(source) {
      return source === 'node:module' || source === shim('node-module.ts') ? shim('node-module-worker.ts') : null;
    },
  };
}

const alias = [
  { find: /^node:module$/, replacement: shim('node-module.ts') },
  { find: /^node:worker_threads$/, replacement: shim('worker-threads.ts') },
  { find: /^node:(fs|url|os|path|events|crypto)$/, replacement: shim('node.ts') },
  { find: /^piscina$/, replacement: shim('piscina.ts') },
  { find: /^csv-parse$/, replacement: shim('csv-parse.ts') },
  { find: /^csv-parse\/sync$/, replacement: 'csv-parse/browser/esm/sync' },
  { find: /^csv-stringify$/, replacement: 'csv-stringify/browser/esm' },
  { find: /^vega(-lite)?$/, replacement: shim('vega.ts') },
];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias },
  plugins: [browserFingerprint()],
  worker: { format: 'es', plugins: () => [workerNodeModule(), browserFingerprint()] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    assetsInlineLimit: 0,
  },
  server: { fs: { allow: ['..'] } },
});
