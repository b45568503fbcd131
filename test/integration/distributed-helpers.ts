// Shared by the distributed integration tests: worker processes of the built CLI, and a Redis of the test's own
// (for restarts and passwords), started only where `redis-server` is installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'energylens.js');
export const REDIS_URL = process.env.ENERGYLENS_TEST_REDIS;
export const BUILT = existsSync(join(ROOT, 'dist', 'distributed', 'index.js'));
export const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
export const SKIP_REASON = !REDIS_URL
  ? 'set ENERGYLENS_TEST_REDIS=redis://127.0.0.1:PORT to a Redis for tests (.ci/run starts one)'
  : 'run `npm run build` first';

export interface WorkerProcess {
  proc: ChildProcess;
  /** JSON lines the worker printed */
  lines: Record<string, unknown>[];
  ready: Promise<void>;
  /** resolves on the first line that satisfies `p` (also one printed already) */
  waitFor(p: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** `energylens worker --json` on the queue, with short lock and stalled intervals so a lost worker is noticed fast. */
export function spawnWorker(url: string, queue: string, extra: string[] = []): WorkerProcess {
  const proc = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--queue', queue, '--json', '--lock-duration', '1500', '--stalled-interval', '500', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const watchers: { p: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  proc.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const text = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (!text.trim()) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const w of [...watchers]) if (w.p(line)) { watchers.splice(watchers.indexOf(w), 1); w.resolve(line); }
    }
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const waitFor = (p: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const seen = lines.find(p);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      watchers.push({ p, resolve });
      void exited.then(() => reject(new Error(`worker ${proc.pid} exited (${proc.exitCode}): ${stderr}`)));
    });
  };
  return {
    proc, lines, waitFor, ready: waitFor((l) => l.event === 'ready').then(() => undefined),
    // SIGTERM lets the worker finish its job; one that has not exited 10 s later is killed, so a stuck worker cannot hang the test
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

const canListen = (port: number): Promise<boolean> => new Promise((resolve) => {
  const s = createServer();
  s.once('error', () => resolve(false));
  s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
});

/**
 * A free port below Linux's ephemeral range (32768-60999), for a server that is stopped and started again on the
 * same port: while it is down, no outgoing connection on the machine (or a client reconnecting to itself) can take
 * the port as its own local port and keep the server from binding it again.
 */
export async function freeServerPort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port in 20000-31999');
}

/** A redis-server of the test's own on loopback, without persistence (a restart loses every key). */
export class OwnRedis {
  private proc: ChildProcess | undefined;
  constructor(readonly port: number, private readonly args: string[] = []) {}

  get url(): string { return `redis://127.0.0.1:${this.port}`; }

  /** Starts the server; a port still held for a moment after a stop is tried again for up to five seconds. */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.startOnce();
        return;
      } catch (err) {
        if (attempt >= 25 || !/Address already in use/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async startOnce(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (/Ready to accept connections/.test(out)) resolve(); });
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    });
  }

  /** SIGSTOP or SIGCONT: a stopped server keeps its connections open and answers nothing */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.proc?.kill(sig);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }
}
