// energylens serve's static server (the web workbench's only server) and the kernel loaded from bytes (the
// browser's path, here in Node): files served with their types, nothing outside the folder, clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { serveStatic, type StaticServer } from '../../src/cli/commands/serve.js';
import { createWasmEvaluator, kernelPath, loadKernelFromBytes } from '../../src/sr/eval/wasm-kernel.js';
import { compile } from '../../src/sr/expression/compile.js';
import { parseExpression } from '../../src/sr/expression/parse.js';

/** A raw GET (fetch would normalise `..` away before sending). */
const get = (url: string, path: string): Promise<{ status: number; type: string; body: string }> => new Promise((resolve, reject) => {
  const u = new URL(url);
  const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
    let body = '';
    res.on('data', (d: Buffer) => { body += d.toString(); });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
  });
  req.on('error', reject);
  req.end();
});

describe('energylens serve', () => {
  let dir: string;
  let app: StaticServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'energylens-serve-'));
    mkdirSync(join(dir, 'site', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'site', 'index.html'), '<!doctype html><p>workbench</p>');
    writeFileSync(join(dir, 'site', 'assets', 'k.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(join(dir, 'secret.txt'), 'outside');
    app = await serveStatic(join(dir, 'site'), 0);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and files with their types', async () => {
    expect(await get(app.url, '/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><p>workbench</p>' });
    expect((await get(app.url, '/assets/k.wasm')).type).toBe('application/wasm');
    expect((await get(app.url, '/nothing.js')).status).toBe(404);
  });

  it('serves nothing outside its folder', async () => {
    const res = await get(app.url, '/../secret.txt');
    expect(res.status).not.toBe(200);
    expect(res.body).not.toContain('outside');
    expect((await get(app.url, '/%2e%2e/secret.txt')).body).not.toContain('outside');
  });

  it('names the missing build and a port in use', async () => {
    await expect(serveStatic(dir, 0)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining('npm run build:web') });
    const port = Number(new URL(app.url).port);
    await expect(serveStatic(join(dir, 'site'), port)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining(`--port ${port}`) });
  });
});

describe('the kernel compiled from bytes (the browser path)', () => {
  it('evaluates as the file-loaded kernel does', async () => {
    await loadKernelFromBytes(new Uint8Array(readFileSync(kernelPath())));
    const ev = createWasmEvaluator();
    ev.setDataset({ X: Float64Array.from([1, 2, 3, 4]), y: Float64Array.from([2, 5, 10, 17]), nFeatures: 1, nRows: 4 });
    expect(ev.losses([compile(parseExpression('x0 * x0 + 1'))], 'mse')[0]).toBe(0);
    ev.dispose();
  });

  it('refuses bytes that are no WebAssembly module with WASM_LOAD_FAILED', async () => {
    await expect(loadKernelFromBytes(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'WASM_LOAD_FAILED' });
  });
});
