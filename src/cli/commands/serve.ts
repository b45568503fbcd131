/**
 * energylens serve: the web workbench (web/dist, built by `npm run build:web`) on a local port, as static files
 * through node:http. Nothing is uploaded anywhere: the page runs the engine in the browser.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { EnergyLensError } from '../../errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.ico': 'image/x-icon',
};

/** The built app beside dist/ and src/ (web/dist in the package). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../../web/dist', import.meta.url));
}

export interface StaticServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves `root` (a folder with index.html) on `host:port` (port 0: any free port). */
export async function serveStatic(root: string, port: number, host = '127.0.0.1'): Promise<StaticServer> {
  const base = resolve(root);
  if (!existsSync(join(base, 'index.html'))) {
    throw new EnergyLensError('FILE_NOT_FOUND', `${join(base, 'index.html')}: no built web app; run "npm run build:web" first`);
  }
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
    if (file !== base && !file.startsWith(base + sep)) { res.writeHead(403).end(); return; }
    let size = -1;
    try { const st = statSync(file); if (st.isFile()) size = st.size; } catch { /* not found below */ }
    if (size < 0) { res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      fail(err.code === 'EADDRINUSE'
        ? new EnergyLensError('INVALID_OPTION', `--port ${port}: the port is in use on ${host}; choose another`)
        : new EnergyLensError('INVALID_OPTION', `cannot listen on ${host}:${port}: ${err.message}`));
    });
    server.listen(port, host, () => ok());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`,
    server,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

const portArg = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new EnergyLensError('INVALID_OPTION', `--port must be an integer from 0 to 65535, got "${v}"`);
  return n;
};

export function register(program: Command): void {
  program
    .command('serve')
    .description('open the web workbench: symbolic regression and the energy model in the browser (static files on a local port)')
    .option('--port <n>', 'port (0: any free port)', portArg, 5178)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--dir <folder>', 'the built app (default: web/dist of the package, made by npm run build:web)')
    .action(async (flags: { port: number; host: string; dir?: string }) => {
      const app = await serveStatic(flags.dir ?? defaultWebRoot(), flags.port, flags.host);
      process.stdout.write(`energylens workbench: ${app.url} (Ctrl-C to stop)\n`);
      process.once('SIGINT', () => { void app.close(); });
    });
}
