// Before the whole suite: the distributed tests need a Redis. Without ENERGYLENS_TEST_REDIS, a local
// `redis-server` (when installed) is started on a free port for the run, so a plain `npm test` runs them; without
// either, one line says clearly why they are skipped (the describe titles say it too).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const srv = createServer();
  srv.once('error', reject);
  srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as { port: number };
    srv.close(() => resolve(port));
  });
});

/** True once the server on `port` answers PING (over a plain socket: redis-cli may not be installed). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(500, () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
    socket.on('data', (d) => { reply += d.toString(); if (reply.includes('\r\n')) { socket.end(); resolve(reply.startsWith('+PONG')); } });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

async function waitForPing(port: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ping(port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

let server: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (process.env.ENERGYLENS_TEST_REDIS) return;
  const installed = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!installed) {
    process.stderr.write('note: the distributed (Redis) tests are skipped: no ENERGYLENS_TEST_REDIS=redis://HOST:PORT and no redis-server on PATH to start one\n');
    return;
  }
  const port = await freePort();
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  if (await waitForPing(port, 10_000)) {
    process.env.ENERGYLENS_TEST_REDIS = `redis://127.0.0.1:${port}`;
    process.stderr.write(`note: the distributed tests use a redis-server started for this run on port ${port}\n`);
  } else {
    process.stderr.write('note: the distributed (Redis) tests are skipped: redis-server did not answer within 10 s\n');
    server.kill();
    server = undefined;
  }
}

export function teardown(): void {
  server?.kill();
}
