import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { runWaves, sendCompletion, summarizeWaves, syntheticPrompt } from '../../../src/energy/profiler/load.js';
import { startServer, type ServerHandle } from '../../../src/energy/profiler/server.js';
import type { RequestTiming, WaveResult } from '../../../src/energy/profiler/types.js';
import { isEnergyLensError } from '../../../src/errors.js';
import { freePort } from '../../../src/energy/profiler/measure.js';

const FAKE = fileURLToPath(new URL('../../fixtures/fake-openai-server.mjs', import.meta.url));
const MODEL = 'fake-llm';
const ITL_MS = 10;
const ITL_MS_PER_SEQ = 0.5;


async function startFake(args: string[] = []): Promise<{ handle: ServerHandle; baseUrl: string }> {
  const port = await freePort();
  const handle = await startServer({
    argv: [process.execPath, FAKE, '--port', String(port), '--model', MODEL, '--startup-ms', '50', ...args],
    readyUrl: `http://127.0.0.1:${port}/health`, readyTimeoutMs: 10_000, pollMs: 50,
  });
  return { handle, baseUrl: `http://127.0.0.1:${port}` };
}

/** A local HTTP server with a hand-written behaviour, for the failure modes the fake does not have. */
async function startStub(onRequest: Parameters<typeof createHttpServer>[1]): Promise<{ server: Server; baseUrl: string }> {
  const server = createHttpServer(onRequest);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function closeStub(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

let fake: { handle: ServerHandle; baseUrl: string };
beforeAll(async () => {
  fake = await startFake(['--ttft-ms', '20', '--prefill-ms-per-ktok', '40', '--itl-ms', String(ITL_MS), '--itl-ms-per-seq', String(ITL_MS_PER_SEQ), '--max-num-seqs', '16']);
});
afterAll(async () => {
  await fake?.handle.stop(2000);
});

describe('syntheticPrompt', () => {
  it('gives exactly the asked number of ids, reproducibly, different per seed', () => {
    const a = syntheticPrompt(500, 7);
    expect(a).toHaveLength(500);
    expect(syntheticPrompt(500, 7)).toEqual(a);
    expect(a.every((t) => Number.isInteger(t) && t >= 1000 && t < 20000)).toBe(true);
    const b = syntheticPrompt(500, 8);
    expect(b).not.toEqual(a);
    expect(b.slice(0, 4)).not.toEqual(a.slice(0, 4)); // no shared prefix for the prefix cache
    expect(new Set(a).size).toBeGreaterThan(450);
    expect(syntheticPrompt(0, 1)).toEqual([]);
    const small = syntheticPrompt(200, 3, { low: 5, high: 8 });
    expect(new Set(small)).toEqual(new Set([5, 6, 7]));
  });

  it('rejects bad arguments', () => {
    for (const f of [() => syntheticPrompt(-1, 1), () => syntheticPrompt(1.5, 1), () => syntheticPrompt(3, Number.NaN), () => syntheticPrompt(3, 1, { low: 10, high: 10 })]) {
      expect(f).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    }
  });
});

describe('sendCompletion', () => {
  it('streams exactly max_tokens tokens and reads the usage', async () => {
    const t = await sendCompletion({ baseUrl: fake.baseUrl, model: MODEL, prompt: syntheticPrompt(300, 1), maxTokens: 12, timeoutMs: 5000 });
    expect(t.error).toBeUndefined();
    expect(t.promptTokens).toBe(300);
    expect(t.completionTokens).toBe(12);
    expect(t.tokenMs).toHaveLength(12);
    expect(t.firstTokenMs).toBe(t.tokenMs[0]);
    expect(t.firstTokenMs!).toBeGreaterThan(t.sentMs);
    for (let i = 1; i < t.tokenMs.length; i++) expect(t.tokenMs[i]).toBeGreaterThanOrEqual(t.tokenMs[i - 1]);
  });

  it('returns an HTTP error for a wrong model instead of throwing', async () => {
    const t = await sendCompletion({ baseUrl: fake.baseUrl, model: 'no-such-model', prompt: [1, 2, 3], maxTokens: 4, timeoutMs: 5000 });
    expect(t.error).toMatch(/^HTTP 404: .*does not exist/);
    expect(t.firstTokenMs).toBeNull();
    expect(t.tokenMs).toEqual([]);
  });

  it('returns connection refused instead of throwing', async () => {
    const port = await freePort();
    const t = await sendCompletion({ baseUrl: `http://127.0.0.1:${port}`, model: MODEL, prompt: [1], maxTokens: 4, timeoutMs: 5000 });
    expect(t.error).toMatch(/connection refused/);
  });

  it('merges extraBody into the request', async () => {
    let seen: Record<string, unknown> = {};
    const { server, baseUrl } = await startStub((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen = JSON.parse(body) as Record<string, unknown>;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: {"choices":[{"text":"a"}]}\n\ndata: [DONE]\n\n');
      });
    });
    try {
      const t = await sendCompletion({ baseUrl, model: 'm', prompt: [5, 6], maxTokens: 3, timeoutMs: 5000, extraBody: { temperature: 0.5, top_k: 1 } });
      expect(t.error).toBeUndefined();
      expect(t.tokenMs).toHaveLength(1);
      expect(t.completionTokens).toBeNull(); // no usage reported
      expect(seen).toMatchObject({ model: 'm', prompt: [5, 6], max_tokens: 3, min_tokens: 3, ignore_eos: true, temperature: 0.5, top_k: 1, stream: true, stream_options: { include_usage: true } });
    } finally {
      await closeStub(server);
    }
  });

  it('reports a timeout, a cut stream and bad JSON', async () => {
    const { server, baseUrl } = await startStub((req, res) => {
      if (req.url === '/silent/v1/completions') return; // never answers
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.url === '/cut/v1/completions') {
        res.write('data: {"choices":[{"text":"a"}]}\n\n');
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.end('data: {"choices": [ oops\n\n');
      }
    });
    try {
      const base = { model: 'm', prompt: [1], maxTokens: 3 };
      const silent = await sendCompletion({ ...base, baseUrl: `${baseUrl}/silent`, timeoutMs: 300 });
      expect(silent.error).toBe('no response after 0.3 s');
      const cut = await sendCompletion({ ...base, baseUrl: `${baseUrl}/cut`, timeoutMs: 5000 });
      expect(cut.error).toMatch(/^stream cut/);
      expect(cut.tokenMs).toHaveLength(1);
      const bad = await sendCompletion({ ...base, baseUrl: `${baseUrl}/bad`, timeoutMs: 5000 });
      expect(bad.error).toMatch(/^bad JSON in the stream/);
    } finally {
      await closeStub(server);
    }
  });
});

describe('runWaves against the fake engine', () => {
  it('sends waves of concurrency requests with exact token counts and ordered windows', async () => {
    const prompts = Array.from({ length: 10 }, (_, i) => syntheticPrompt(64 + i, 100 + i));
    const progress: [number, number][] = [];
    const waves = await runWaves({
      baseUrl: fake.baseUrl, model: MODEL, prompts, maxTokens: 24, concurrency: 4, timeoutMs: 5000,
      onRequestDone: (d, t) => progress.push([d, t]),
    });
    expect(waves.map((w) => w.requests.length)).toEqual([4, 4, 2]);
    expect(progress).toHaveLength(10);
    expect(progress[9]).toEqual([10, 10]);
    const requests = waves.flatMap((w) => w.requests);
    expect(requests.map((r) => r.promptTokens)).toEqual(prompts.map((p) => p.length));
    expect(requests.every((r) => r.completionTokens === 24 && r.tokenMs.length === 24 && r.error === undefined)).toBe(true);
    for (const [i, w] of waves.entries()) {
      expect(w.startMs).toBeLessThanOrEqual(w.prefillEndMs);
      expect(w.prefillEndMs).toBeLessThan(w.endMs);
      for (const r of w.requests) {
        expect(r.sentMs).toBeGreaterThanOrEqual(w.startMs);
        expect(r.firstTokenMs!).toBeLessThanOrEqual(w.prefillEndMs);
        expect(r.tokenMs[r.tokenMs.length - 1]).toBeLessThanOrEqual(w.endMs);
      }
      if (i > 0) expect(w.startMs).toBeGreaterThanOrEqual(waves[i - 1].endMs);
    }

    const s = summarizeWaves(waves);
    expect(s.requests).toBe(10);
    expect(s.failed).toBe(0);
    expect(s.promptTokensMean).toBeCloseTo(prompts.reduce((a, p) => a + p.length, 0) / 10, 10);
    expect(s.completionTokensMean).toBe(24);
    const expectedItlS = (ITL_MS + ITL_MS_PER_SEQ * 4) / 1000; // the fake's inter-token latency with 4 running
    expect(s.itlMedianS).toBeGreaterThan(expectedItlS / 2);
    expect(s.itlMedianS).toBeLessThan(expectedItlS * 2);
    // waves of 4, 4 and 2 decode side by side: about 3.3 on an idle machine; a loaded one staggers the streams'
    // ends, so the bound only asks for clear overlap (requests one after another would give about 1)
    expect(s.meanDecodingBatch).toBeGreaterThan(2);
    expect(s.meanDecodingBatch).toBeLessThanOrEqual(4);
    expect(s.ttftMedianS).toBeGreaterThan(0);
    expect(s.durationS).toBeGreaterThan(0);
    expect(s.outputTokensPerS).toBeCloseTo(240 / s.durationS, 6);
  });

  it('sees a longer prefill for a longer prompt', async () => {
    const waves = await runWaves({
      baseUrl: fake.baseUrl, model: MODEL, prompts: [syntheticPrompt(50, 1), syntheticPrompt(6000, 2)], maxTokens: 2, concurrency: 1, timeoutMs: 5000,
    });
    const [short, long] = waves.map((w) => w.requests[0]);
    expect(long.promptTokens).toBe(6000);
    expect(long.firstTokenMs! - long.sentMs).toBeGreaterThan(short.firstTokenMs! - short.sentMs);
  });

  it('throws REQUEST_FAILED when the engine dies during the run', async () => {
    const dying = await startFake(['--ttft-ms', '5', '--itl-ms', '2']);
    try {
      const err = await runWaves({
        baseUrl: dying.baseUrl, model: MODEL, prompts: Array.from({ length: 12 }, (_, i) => syntheticPrompt(16, i)), maxTokens: 4, concurrency: 4, timeoutMs: 5000,
        onRequestDone: (done) => {
          if (done === 4) process.kill(-dying.handle.pid, 'SIGKILL'); // after the first wave
        },
      }).catch((e: unknown) => e);
      expect(isEnergyLensError(err, 'REQUEST_FAILED')).toBe(true);
      const { message, details } = err as { message: string; details: { waves: WaveResult[] } };
      expect(message).toMatch(/4 of 4 requests of wave 2 failed/);
      expect(details.waves).toHaveLength(2);
      expect(details.waves[0].requests.every((r) => r.error === undefined)).toBe(true);
      expect(await dying.handle.exited).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      await dying.handle.stop(1000);
    }
  });

  it('throws REQUEST_FAILED when the engine crashes at its first request', async () => {
    const crashing = await startFake(['--fail', 'crash-after-ready']);
    try {
      const err = await runWaves({
        baseUrl: crashing.baseUrl, model: MODEL, prompts: [[1, 2], [3, 4]], maxTokens: 4, concurrency: 2, timeoutMs: 5000,
      }).catch((e: unknown) => e);
      expect(isEnergyLensError(err, 'REQUEST_FAILED')).toBe(true);
      expect(await crashing.handle.exited).toEqual({ code: 1, signal: null });
    } finally {
      await crashing.handle.stop(1000);
    }
  });

  it('validates its options', async () => {
    const base = { baseUrl: fake.baseUrl, model: MODEL, prompts: [[1]], maxTokens: 2, concurrency: 1, timeoutMs: 1000 };
    for (const bad of [{ concurrency: 0 }, { concurrency: 1.5 }, { maxTokens: 0 }, { timeoutMs: -1 }]) {
      await expect(runWaves({ ...base, ...bad })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    }
    expect(await runWaves({ ...base, prompts: [] })).toEqual([]);
  });
});

describe('summarizeWaves', () => {
  const req = (sentMs: number, tokenMs: number[], usage: [number, number] | null, error?: string): RequestTiming => ({
    sentMs, firstTokenMs: tokenMs[0] ?? null, tokenMs, promptTokens: usage?.[0] ?? null, completionTokens: usage?.[1] ?? null, ...(error ? { error } : {}),
  });

  it('computes medians, the time-weighted decoding batch and throughput', () => {
    // two requests: one decodes over the whole window [100, 200], the other over half of it
    const wave: WaveResult = {
      startMs: 0, prefillEndMs: 100, endMs: 200,
      requests: [req(0, [50, 100, 150, 200], [10, 4]), req(0, [100, 110, 120, 130, 140, 150], null)],
    };
    const s = summarizeWaves([wave]);
    expect(s.requests).toBe(2);
    expect(s.failed).toBe(0);
    expect(s.promptTokensMean).toBe(10); // only the request that reported usage
    expect(s.completionTokensMean).toBe(5); // 4 from usage, 6 text chunks
    expect(s.ttftMedianS).toBeCloseTo((0.05 + 0.1) / 2, 12);
    expect(s.itlMedianS).toBeCloseTo(0.01, 12); // [50, 50, 50, 10, 10, 10, 10, 10]
    expect(s.meanDecodingBatch).toBeCloseTo((100 + 50) / 100, 12);
    expect(s.durationS).toBeCloseTo(0.2, 12);
    expect(s.outputTokensPerS).toBeCloseTo(10 / 0.2, 9);
  });

  it('counts failures and keeps failed requests out of the means', () => {
    const waves: WaveResult[] = [
      { startMs: 0, prefillEndMs: 10, endMs: 30, requests: [req(0, [10, 20, 30], [8, 3]), req(0, [], null, 'HTTP 500: boom')] },
      { startMs: 40, prefillEndMs: 60, endMs: 80, requests: [req(40, [60, 80], [8, 2])] },
    ];
    const s = summarizeWaves(waves);
    expect(s.requests).toBe(3);
    expect(s.failed).toBe(1);
    expect(s.completionTokensMean).toBe(2.5);
    expect(s.durationS).toBeCloseTo(0.08, 12);
    expect(summarizeWaves([])).toMatchObject({ requests: 0, failed: 0, durationS: 0 });
  });
});
