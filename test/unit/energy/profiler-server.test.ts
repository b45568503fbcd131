import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyFailure, startServer, type ServerHandle } from '../../../src/energy/profiler/server.js';
import { isEnergyLensError } from '../../../src/errors.js';
import { freePort } from '../../../src/energy/profiler/measure.js';

const FAKE = fileURLToPath(new URL('../../fixtures/fake-openai-server.mjs', import.meta.url));


/** Running and not a zombie waiting for its reaper. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

async function failureOf(p: Promise<unknown>): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await p;
  } catch (err) {
    if (isEnergyLensError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const handles: ServerHandle[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop(2000)));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'energylens-server-'));
  dirs.push(d);
  return d;
}

async function startFake(args: string[], extra: { env?: Record<string, string>; logPath?: string; readyTimeoutMs?: number } = {}) {
  const port = await freePort();
  const start = startServer({
    argv: [process.execPath, FAKE, '--port', String(port), '--startup-ms', '100', ...args],
    env: extra.env, logPath: extra.logPath, readyUrl: `http://127.0.0.1:${port}/health`,
    readyTimeoutMs: extra.readyTimeoutMs ?? 10_000, pollMs: 50,
  });
  void start.then((h) => handles.push(h), () => undefined);
  return { port, start };
}

describe('startServer', () => {
  it('resolves once ready, answers, logs, and stop leaves no process behind', async () => {
    const dir = tempDir();
    const logPath = join(dir, 'logs', 'nested', 'engine.log');
    const { port, start } = await startFake(['--model', 'm1', '--tensor-parallel-size', '2', '--enforce-eager'], { logPath });
    const h = await start;
    expect(running(h.pid)).toBe(true);
    const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0].id).toBe('m1');
    expect(h.logTail()).toContain('Uvicorn running');
    expect(h.logTail(1).split('\n')).toHaveLength(1);
    const result = await h.stop();
    expect(result).toEqual({ code: 0, signal: null });
    expect(() => process.kill(h.pid, 0)).toThrow();
    expect(await h.stop()).toEqual(result); // idempotent
    expect(await h.exited).toEqual(result);
    const log = readFileSync(logPath, 'utf8');
    expect(log).toContain('=== energylens');
    expect(log).toContain('tp=2');
    expect(log).toContain('Shutting down');
  });

  it('passes the environment and the fake reports its GPU state', async () => {
    const state = join(tempDir(), 'gpu-state.json');
    const { port, start } = await startFake(['--ttft-ms', '20', '--itl-ms', '10'], { env: { FAKE_GPU_STATE: state, CUDA_VISIBLE_DEVICES: '2,3' } });
    const h = await start;
    const readState = () => JSON.parse(readFileSync(state, 'utf8')) as { visibleDevices: number[]; prefilling: number; decoding: number };
    expect(readState()).toEqual({ visibleDevices: [2, 3], prefilling: 0, decoding: 0 });
    let finished = false;
    const request = fetch(`http://127.0.0.1:${port}/v1/completions`, {
      method: 'POST', body: JSON.stringify({ prompt: [1, 2, 3], max_tokens: 30, stream: false }),
    }).then((r) => r.json()).finally(() => { finished = true; });
    let maxDecoding = 0;
    while (!finished) {
      maxDecoding = Math.max(maxDecoding, readState().decoding);
      await new Promise((r) => setTimeout(r, 5));
    }
    const body = (await request) as { usage: { completion_tokens: number } };
    expect(body.usage.completion_tokens).toBe(30);
    expect(maxDecoding).toBe(1);
    await h.stop();
    expect(readState()).toEqual({ visibleDevices: [2, 3], prefilling: 0, decoding: 0 });
  });

  it('reports an engine that runs out of memory at start', async () => {
    const logPath = join(tempDir(), 'oom.log');
    const { start } = await startFake(['--fail', 'oom'], { logPath });
    const err = await failureOf(start);
    expect(err.code).toBe('SERVER_FAILED');
    expect(err.message).toMatch(/exited with code 1 before it was ready/);
    expect(err.message).toMatch(/out of memory/);
    expect(err.message).toContain(logPath);
    expect(readFileSync(logPath, 'utf8')).toContain('torch.OutOfMemoryError');
    const { pid } = err.details as { pid: number };
    expect(running(pid)).toBe(false);
  });

  it('reports a tensor-parallel degree the model cannot take', async () => {
    const { start } = await startFake(['--fail', 'bad-tp', '--tensor-parallel-size', '3']);
    const err = await failureOf(start);
    expect(err.code).toBe('SERVER_FAILED');
    expect(err.message).toMatch(/not divisible/);
  });

  it('kills an engine that never becomes ready', async () => {
    const { start } = await startFake(['--fail', 'hang'], { readyTimeoutMs: 1500 });
    const err = await failureOf(start);
    expect(err.code).toBe('SERVER_FAILED');
    expect(err.message).toMatch(/not ready after 1\.5 s/);
    expect(err.message).toContain('waiting for the workers');
    const { pid } = err.details as { pid: number };
    expect(running(pid)).toBe(false);
  });

  it('reports a port already in use', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const err = await failureOf(startServer({
        argv: [process.execPath, FAKE, '--port', String(port), '--startup-ms', '0'],
        readyUrl: `http://127.0.0.1:${port}/nothing-listens-here`, readyTimeoutMs: 10_000, pollMs: 50,
      }));
      expect(err.code).toBe('SERVER_FAILED');
      expect(err.message).toMatch(/port already in use/);
    } finally {
      blocker.close();
    }
  });

  it('names a command that cannot be started', async () => {
    const err = await failureOf(startServer({
      argv: ['/nonexistent/energylens-no-such-engine', 'serve'], readyUrl: 'http://127.0.0.1:9/health', readyTimeoutMs: 1000,
    }));
    expect(err.code).toBe('SERVER_FAILED');
    expect(err.message).toContain('/nonexistent/energylens-no-such-engine');
    expect(err.message).toMatch(/not found/);
  });

  it('rejects bad options', async () => {
    const base = { argv: [process.execPath], readyUrl: 'http://127.0.0.1:9/health', readyTimeoutMs: 1000 };
    for (const bad of [{ argv: [] }, { readyUrl: 'not a url' }, { readyTimeoutMs: 0 }, { pollMs: -1 }]) {
      expect((await failureOf(startServer({ ...base, ...bad }))).code).toBe('INVALID_OPTION');
    }
  });

  it('shows an engine that dies while running through exited', async () => {
    const { port, start } = await startFake(['--fail', 'crash-after-ready']);
    const h = await start;
    await fetch(`http://127.0.0.1:${port}/v1/completions`, { method: 'POST', body: '{}' }).catch(() => undefined);
    expect(await h.exited).toEqual({ code: 1, signal: null });
    expect(classifyFailure(h.logTail())).toMatch(/^NCCL error: RuntimeError: NCCL error/);
    expect(await h.stop()).toEqual({ code: 1, signal: null });
  });

  it('stops the whole process group, killing workers that ignore SIGTERM', async () => {
    const port = await freePort();
    // a leader that starts two workers (one ignores SIGTERM, like a stuck worker) and serves /health
    const script = `
      const { spawn } = require('node:child_process');
      const polite = spawn('sleep', ['60'], { stdio: 'ignore' });
      const stubborn = spawn('sh', ['-c', "trap '' TERM; sleep 60 & wait"], { stdio: 'ignore' });
      console.log('workers', polite.pid, stubborn.pid);
      process.on('SIGTERM', () => process.exit(0));
      require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1');`;
    const h = await startServer({ argv: [process.execPath, '-e', script], readyUrl: `http://127.0.0.1:${port}/`, readyTimeoutMs: 10_000, pollMs: 50 });
    handles.push(h);
    const workers = /workers (\d+) (\d+)/.exec(h.logTail())!.slice(1).map(Number);
    expect(workers.every(running)).toBe(true);
    expect(await h.stop(500)).toEqual({ code: 0, signal: null });
    expect(() => process.kill(h.pid, 0)).toThrow();
    expect(workers.some(running)).toBe(false);
  });
});

describe('classifyFailure', () => {
  it('recognises the well-known engine failures', () => {
    const cases: [string, RegExp][] = [
      ['INFO loading\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.\nRuntimeError: Engine core initialization failed. See root cause above.', /^out of memory: torch\.OutOfMemoryError/],
      ['ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.', /^KV cache too small/],
      ["ValueError: The model's max seq len (131072) is larger than the maximum number of tokens that can be stored in KV cache (45000).", /^KV cache too small/],
      ['ERROR:    [Errno 98] Address already in use', /^port already in use/],
      ['Error: listen EADDRINUSE: address already in use :::8000', /^port already in use/],
      ['INFO vLLM is using nccl==2.21.5\ntorch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1970, unhandled system error', /^NCCL error: torch\.distributed/],
      ['ValueError: Total number of attention heads (40) must be divisible by tensor parallel size (3).', /^not divisible/],
      ['vllm serve: error: unrecognized arguments: --tensor-paralel-size 2', /^unknown argument: vllm serve/],
      ['\x1b[32mINFO\x1b[0m starting\nsomething else went wrong\n\n', /^something else went wrong$/],
      ['', /^no output$/],
    ];
    for (const [text, expected] of cases) expect(classifyFailure(text)).toMatch(expected);
  });

  it('does not mistake ordinary NCCL information for an error and trims long lines', () => {
    expect(classifyFailure('INFO vLLM is using nccl==2.21.5\nKilled')).toBe('Killed');
    const long = classifyFailure(`RuntimeError: CUDA out of memory ${'x'.repeat(1000)}`);
    expect(long.length).toBeLessThanOrEqual(300);
    expect(long).toMatch(/^out of memory: /);
  });
});
