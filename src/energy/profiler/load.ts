/**
 * The load driver: synthetic token-id prompts, one streamed completion request timed chunk by chunk, requests sent
 * in waves of `concurrency`, and the summary of the waves (token counts, TTFT, inter-token latency, the batch
 * actually decoding, throughput). Requests use the vLLM way to get exact lengths: a token-id prompt,
 * `min_tokens = max_tokens` and `ignore_eos`.
 */
import { EnergyLensError } from '../../errors.js';
import { createRng } from '../../sr/index.js';
import { mean, median } from '../stats.js';
import { nowMs, type RequestTiming, type WaveResult } from './types.js';

export interface SendCompletionOptions {
  /** e.g. http://127.0.0.1:8000 (no /v1) */
  baseUrl: string;
  model: string;
  prompt: readonly number[];
  maxTokens: number;
  /** the longest silence allowed: before the response starts, and between two chunks of the stream */
  timeoutMs: number;
  signal?: AbortSignal;
  /** merged last into the request body (engine-specific options) */
  extraBody?: Record<string, unknown>;
}

export interface RunWavesOptions extends Omit<SendCompletionOptions, 'prompt'> {
  prompts: readonly (readonly number[])[];
  concurrency: number;
  onRequestDone?: (done: number, total: number) => void;
}

export interface WaveSummary {
  requests: number;
  failed: number;
  /** over the requests that succeeded and whose usage the server reported; NaN when none */
  promptTokensMean: number;
  /** over the requests that succeeded: usage when reported, else the number of text chunks */
  completionTokensMean: number;
  ttftMedianS: number;
  itlMedianS: number;
  /** mean number of requests decoding at once over the decode windows (time-weighted) */
  meanDecodingBatch: number;
  /** from the first request sent to the last token received */
  durationS: number;
  /** every generated token (failed requests' too) over durationS */
  outputTokensPerS: number;
}

const DEFAULT_VOCAB = { low: 1000, high: 20000 };
const BODY_CHARS = 200;


function invalid(message: string): EnergyLensError {
  return new EnergyLensError('INVALID_OPTION', message);
}

function positiveInteger(value: number, name: string): void {
  if (!(Number.isInteger(value) && value > 0)) throw invalid(`${name} must be a positive integer, got ${value}`);
}

// ---- prompts ----------------------------------------------------------------------------------------------

/** Exactly `tokens` token ids in [vocab.low, vocab.high), the same for the same seed; another seed, another prompt. */
export function syntheticPrompt(tokens: number, seed: number, vocab: { low: number; high: number } = DEFAULT_VOCAB): number[] {
  if (!(Number.isInteger(tokens) && tokens >= 0)) throw invalid(`tokens must be a non-negative integer, got ${tokens}`);
  if (!Number.isFinite(seed)) throw invalid(`seed must be a finite number, got ${seed}`);
  const { low, high } = vocab;
  if (!(Number.isInteger(low) && Number.isInteger(high) && low >= 0 && high > low)) {
    throw invalid(`vocab must have integers 0 <= low < high, got low ${low}, high ${high}`);
  }
  // the engine's seeded generator (splitmix-seeded xoshiro128**): consecutive seeds give unrelated prompts
  const rng = createRng(Math.trunc(seed));
  const ids = new Array<number>(tokens);
  for (let i = 0; i < tokens; i++) ids[i] = low + rng.int(high - low);
  return ids;
}

// ---- one request ------------------------------------------------------------------------------------------

/** Splits a Server-Sent Events stream into the data of its events (multi-line data joined with \n). */
function createSseParser(): { feed(text: string): string[]; end(): string[] } {
  let buffer = '';
  let data: string[] = [];
  const line = (l: string, out: string[]): void => {
    if (l === '') {
      if (data.length > 0) out.push(data.join('\n'));
      data = [];
    } else if (l.startsWith('data:')) {
      data.push(l.slice(l.startsWith('data: ') ? 6 : 5));
    } // comments (":") and other fields (event:, id:, retry:) carry nothing we use
  };
  return {
    feed(text) {
      buffer += text;
      const out: string[] = [];
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const l = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        line(l.endsWith('\r') ? l.slice(0, -1) : l, out);
      }
      return out;
    },
    end() {
      const out: string[] = [];
      if (buffer !== '') line(buffer, out);
      buffer = '';
      line('', out);
      return out;
    },
  };
}

/** Applies one streamed chunk to the timing; returns an error message when the chunk reports one. */
function applyChunk(timing: RequestTiming, chunk: unknown, atMs: number): string | undefined {
  if (typeof chunk !== 'object' || chunk === null) return `unexpected chunk in the stream: ${JSON.stringify(chunk).slice(0, BODY_CHARS)}`;
  const c = chunk as { choices?: unknown; usage?: unknown; error?: unknown };
  if (c.error !== undefined && c.error !== null) return `server error in the stream: ${JSON.stringify(c.error).slice(0, BODY_CHARS)}`;
  if (Array.isArray(c.choices)) {
    const text = (c.choices[0] as { text?: unknown } | undefined)?.text;
    if (typeof text === 'string' && text !== '') {
      timing.tokenMs.push(atMs);
      timing.firstTokenMs ??= atMs;
    }
  }
  if (typeof c.usage === 'object' && c.usage !== null) {
    const u = c.usage as { prompt_tokens?: unknown; completion_tokens?: unknown };
    if (typeof u.prompt_tokens === 'number') timing.promptTokens = u.prompt_tokens;
    if (typeof u.completion_tokens === 'number') timing.completionTokens = u.completion_tokens;
  }
  return undefined;
}

function describeFetchError(err: unknown, baseUrl: string): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause?.code === 'ECONNREFUSED') return `connection refused (${baseUrl})`;
  if (typeof cause?.message === 'string' && cause.message !== '') return `request failed: ${cause.message}`;
  return `request failed: ${(err as Error).message ?? String(err)}`;
}

/**
 * Sends one streamed completion and times every chunk that carries text. Never throws: a failed request comes back
 * with `error` (HTTP status and body, connection refused, stream cut, silence longer than timeoutMs, bad JSON).
 */
export async function sendCompletion(options: SendCompletionOptions): Promise<RequestTiming> {
  const timing: RequestTiming = { sentMs: nowMs(), firstTokenMs: null, tokenMs: [], promptTokens: null, completionTokens: null };
  const fail = (error: string): RequestTiming => Object.assign(timing, { error });
  if (options.signal?.aborted) return fail('aborted before it was sent');
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
  };
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    arm();
    const body = {
      model: options.model, prompt: [...options.prompt], max_tokens: options.maxTokens, min_tokens: options.maxTokens,
      ignore_eos: true, temperature: 0, stream: true, stream_options: { include_usage: true }, ...options.extraBody,
    };
    const res = await fetch(`${options.baseUrl.replace(/\/+$/, '')}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body), signal: controller.signal,
    });
    arm();
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      return fail(`HTTP ${res.status}: ${text.slice(0, BODY_CHARS)}`);
    }
    if (res.body === null) return fail('HTTP 200 with an empty body');
    reader = res.body.getReader();
    const decoder = new TextDecoder();
    const sse = createSseParser();
    let events = 0;
    let head = '';
    for (;;) {
      const { done, value } = await reader.read();
      const atMs = nowMs();
      arm();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (head.length < BODY_CHARS) head += text.slice(0, BODY_CHARS - head.length);
      for (const data of done ? [...sse.feed(text), ...sse.end()] : sse.feed(text)) {
        events++;
        if (data.trim() === '[DONE]') return timing;
        let chunk: unknown;
        try {
          chunk = JSON.parse(data);
        } catch (err) {
          return fail(`bad JSON in the stream (${(err as Error).message}): ${data.slice(0, BODY_CHARS)}`);
        }
        const error = applyChunk(timing, chunk, atMs);
        if (error !== undefined) return fail(error);
      }
      if (done) break;
    }
    return fail(events === 0 ? `no server-sent events in the response: ${head}` : 'stream cut: it ended before data: [DONE]');
  } catch (err) {
    if (timedOut) return fail(`no response after ${Number((options.timeoutMs / 1000).toFixed(3))} s`);
    if (options.signal?.aborted) return fail('aborted');
    if (reader !== undefined) return fail(`stream cut: ${describeFetchError(err, options.baseUrl).replace(/^request failed: /, '')}`);
    return fail(describeFetchError(err, options.baseUrl));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    reader?.cancel().catch(() => undefined);
  }
}

// ---- waves ------------------------------------------------------------------------------------------------

function waveOf(requests: RequestTiming[]): WaveResult {
  const startMs = Math.min(...requests.map((r) => r.sentMs));
  const firsts = requests.flatMap((r) => (r.firstTokenMs === null ? [] : [r.firstTokenMs]));
  const lasts = requests.flatMap((r) => (r.tokenMs.length === 0 ? [] : [r.tokenMs[r.tokenMs.length - 1]]));
  const prefillEndMs = firsts.length > 0 ? Math.max(...firsts) : startMs;
  const endMs = lasts.length > 0 ? Math.max(prefillEndMs, ...lasts) : prefillEndMs;
  return { startMs, prefillEndMs, endMs, requests };
}

/**
 * Sends the prompts in waves of `concurrency` (the last may be smaller): a wave's requests all at once, the next
 * wave when every request of this one ended. Failed requests stay in the result with their error; a wave in which
 * more than half failed ends the run with REQUEST_FAILED.
 */
export async function runWaves(options: RunWavesOptions): Promise<WaveResult[]> {
  positiveInteger(options.concurrency, 'options.concurrency');
  positiveInteger(options.maxTokens, 'options.maxTokens');
  if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) throw invalid(`options.timeoutMs must be a positive number of ms, got ${options.timeoutMs}`);
  const { prompts, concurrency, onRequestDone, ...request } = options;
  const total = prompts.length;
  const waves: WaveResult[] = [];
  let done = 0;
  for (let first = 0; first < total; first += concurrency) {
    if (options.signal?.aborted) {
      throw new EnergyLensError('REQUEST_FAILED', `load aborted after ${done} of ${total} requests`, { waves });
    }
    const requests = await Promise.all(
      prompts.slice(first, first + concurrency).map(async (prompt) => {
        const timing = await sendCompletion({ ...request, prompt });
        done++;
        onRequestDone?.(done, total);
        return timing;
      }),
    );
    const wave = waveOf(requests);
    waves.push(wave);
    const failed = requests.filter((r) => r.error !== undefined);
    if (failed.length * 2 > requests.length) {
      throw new EnergyLensError(
        'REQUEST_FAILED',
        `${failed.length} of ${requests.length} requests of wave ${waves.length} failed; the first: ${failed[0].error}`,
        { wave: waves.length - 1, waves },
      );
    }
  }
  return waves;
}

// ---- summary ----------------------------------------------------------------------------------------------


/** Token counts, latencies, the batch actually decoding and throughput of a run of waves. */
export function summarizeWaves(waves: readonly WaveResult[]): WaveSummary {
  const all = waves.flatMap((w) => w.requests);
  const ok = all.filter((r) => r.error === undefined);
  const outputTokens = (r: RequestTiming): number => r.completionTokens ?? r.tokenMs.length;
  const ttftS = ok.flatMap((r) => (r.firstTokenMs === null ? [] : [(r.firstTokenMs - r.sentMs) / 1000]));
  const itlS = ok.flatMap((r) => r.tokenMs.slice(1).map((t, i) => (t - r.tokenMs[i]) / 1000));
  // time-weighted decoding batch: the requests' decode intervals clipped to their wave's decode window
  let busyMs = 0;
  let windowMs = 0;
  for (const w of waves) {
    windowMs += w.endMs - w.prefillEndMs;
    for (const r of w.requests) {
      if (r.firstTokenMs === null || r.tokenMs.length === 0) continue;
      const from = Math.max(r.firstTokenMs, w.prefillEndMs);
      const to = Math.min(r.tokenMs[r.tokenMs.length - 1], w.endMs);
      busyMs += Math.max(0, to - from);
    }
  }
  const durationS = waves.length === 0
    ? 0
    : (Math.max(...waves.map((w) => w.endMs)) - Math.min(...waves.map((w) => w.startMs))) / 1000;
  const generated = all.reduce((a, r) => a + outputTokens(r), 0);
  return {
    requests: all.length,
    failed: all.length - ok.length,
    promptTokensMean: mean(ok.flatMap((r) => (r.promptTokens === null ? [] : [r.promptTokens]))),
    completionTokensMean: mean(ok.map(outputTokens)),
    ttftMedianS: median(ttftS),
    itlMedianS: median(itlS),
    meanDecodingBatch: windowMs > 0 ? busyMs / windowMs : Number.NaN,
    durationS,
    outputTokensPerS: durationS > 0 ? generated / durationS : Number.NaN,
  };
}
