/**
 * Measuring one configuration: start the serving engine on its GPUs, wait until it is ready, warm it up, send
 * the measured requests in waves while the GPUs' energy counters are sampled, stop the engine, and turn the
 * timings and samples into a profiling record. A wave's prefill window runs from its first request to its last
 * first token, its decode window from there to its last token, so prefill and decode energy are the counters'
 * increments over disjoint windows.
 */
import { join } from 'node:path';
import { createServer } from 'node:net';
import { EnergyLensError } from '../../errors.js';
import type { ProfilingRecord } from '../records/schema.js';
import { energyBetween, startGpuSampler, waitForSamplesAfter, type GpuSampler } from './gpu-energy.js';
import { runWaves, summarizeWaves, syntheticPrompt } from './load.js';
import { configKey, gpusOf, launchArgv, type PlannedConfig, type ProfilePlan } from './plan.js';
import { startServer, type ServerHandle } from './server.js';
import type { WaveResult, WindowEnergy } from './types.js';

export interface MeasureContext {
  plan: ProfilePlan;
  /** catalog hardware name written to the record */
  hardware: string;
  /** GPU indices the sweep may use; a configuration takes the first tp x pp */
  gpus: readonly number[];
  /** measured idle power per GPU (W), recorded with each record; null when not measured */
  idlePowerW: number | null;
  logDir: string;
  nvidiaSmi?: string;
  signal?: AbortSignal;
  onRequests?: (done: number, total: number, phase: 'warm-up' | 'measured') => void;
}

/** Seeds of the measured prompts start here; warm-up prompts use other seeds, so no prompt repeats. */
const MEASURED_SEED = 1_000_000;

/** A TCP port free on `host` at the moment of asking. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new EnergyLensError('REQUEST_FAILED', 'interrupted');
}

/** Measures one configuration; throws (SERVER_FAILED, REQUEST_FAILED, GPU_UNAVAILABLE) when it cannot be measured. */
export async function measureConfiguration(ctx: MeasureContext, c: PlannedConfig): Promise<ProfilingRecord> {
  const { plan } = ctx;
  const key = configKey(c);
  const used = ctx.gpus.slice(0, gpusOf(c));
  const port = plan.engine.port ?? (await freePort(plan.engine.host));
  const { argv, env } = launchArgv(plan, c, port);
  const baseUrl = `http://${plan.engine.host.includes(':') ? `[${plan.engine.host}]` : plan.engine.host}:${port}`;
  let server: ServerHandle | undefined;
  let sampler: GpuSampler | undefined;
  try {
    aborted(ctx.signal);
    server = await startServer({
      argv, env: { ...env, CUDA_VISIBLE_DEVICES: used.join(',') }, readyUrl: `${baseUrl}${plan.engine.readyPath}`,
      readyTimeoutMs: plan.engine.readyTimeoutS * 1000, logPath: join(ctx.logDir, `${key.replace(/[ =]/g, (m) => (m === ' ' ? '_' : '-'))}.log`),
    });
    const common = {
      baseUrl, model: plan.servedModel, maxTokens: c.outputTokens, concurrency: c.batch, timeoutMs: plan.workload.requestTimeoutS * 1000,
      signal: ctx.signal, extraBody: plan.engine.requestBody,
    };
    const warmup = plan.workload.warmupWaves * c.batch;
    if (warmup > 0) {
      await runWaves({ ...common, prompts: Array.from({ length: warmup }, (_, i) => syntheticPrompt(c.inputTokens, i + 1)), onRequestDone: (d, t) => ctx.onRequests?.(d, t, 'warm-up') });
    }
    aborted(ctx.signal);
    sampler = await startGpuSampler({ gpus: used, intervalMs: plan.sampling.intervalMs, command: ctx.nvidiaSmi });
    const prompts = Array.from({ length: plan.workload.requests }, (_, i) => syntheticPrompt(c.inputTokens, MEASURED_SEED + i));
    const waves = await runWaves({ ...common, prompts, onRequestDone: (d, t) => ctx.onRequests?.(d, t, 'measured') });
    aborted(ctx.signal);
    await waitForSamplesAfter(sampler, used, waves[waves.length - 1].endMs, Math.max(3000, 20 * plan.sampling.intervalMs));
    return recordOf(ctx, c, key, used, waves, sampler);
  } finally {
    await sampler?.stop();
    await server?.stop(plan.engine.stopGraceS * 1000);
  }
}

function finiteOr<T extends number | undefined>(x: number, fallback: T): number | T {
  return Number.isFinite(x) ? x : fallback;
}

function recordOf(ctx: MeasureContext, c: PlannedConfig, key: string, used: readonly number[], waves: WaveResult[], sampler: GpuSampler): ProfilingRecord {
  const summary = summarizeWaves(waves);
  if (summary.failed > 0) {
    const first = waves.flatMap((w) => w.requests).find((r) => r.error)?.error;
    throw new EnergyLensError('REQUEST_FAILED', `${summary.failed} of ${summary.requests} requests failed (first: ${first})`);
  }
  let prefillJ = 0;
  let decodeJ = 0;
  const methods = new Set<string>();
  // a window of no length (a one-token output has no decode window) holds no energy
  for (const w of waves) {
    for (const [a, b, phase] of [[w.startMs, w.prefillEndMs, 'prefill'], [w.prefillEndMs, w.endMs, 'decode']] as const) {
      if (b <= a) continue;
      const e: WindowEnergy = energyBetween(sampler.samples, used, a, b);
      if (phase === 'prefill') prefillJ += e.energyJ;
      else decodeJ += e.energyJ;
      methods.add(e.method);
    }
  }
  if (!(summary.completionTokensMean > 0)) throw new EnergyLensError('INVALID_RECORD', 'the server generated no tokens');
  if (!(prefillJ + decodeJ > 0)) throw new EnergyLensError('INVALID_RECORD', `the energy counters of GPUs ${used.join(', ')} did not move while the requests ran`);
  // the windows: the few milliseconds between one wave's last token and the next wave's first request are not in them
  const windowsS = waves.reduce((a, w) => a + (w.endMs - w.startMs), 0) / 1000;
  const n = summary.requests;
  const { plan } = ctx;
  return {
    model: plan.model, hardware: ctx.hardware, tp: c.tp, pp: c.pp, ep: c.ep, dp: 1, num_gpus: used.length,
    // a server that reports no usage: the planned prompt length; outputs of one token: no decode window
    batch: finiteOr(summary.meanDecodingBatch, c.batch), max_batch: c.batch, output_tokens: summary.completionTokensMean,
    input_tokens: finiteOr(summary.promptTokensMean, c.inputTokens),
    energy_j: (prefillJ + decodeJ) / n, prefill_energy_j: prefillJ / n, decode_energy_j: decodeJ / n,
    ttft_s: finiteOr(summary.ttftMedianS, undefined), tpot_s: finiteOr(summary.itlMedianS, undefined), throughput_tok_s: finiteOr(summary.outputTokensPerS, undefined),
    avg_power_w: (prefillJ + decodeJ) / windowsS,
    ...(plan.precision ? { precision: plan.precision } : {}),
    ...(plan.paramsB !== undefined ? { params_b: plan.paramsB } : {}),
    ...(plan.activeParamsB !== undefined ? { active_params_b: plan.activeParamsB } : {}),
    ...(plan.architecture ? { architecture: plan.architecture } : {}),
    workload: plan.name, source: 'energylens-profile',
    extra: {
      config: key, idle_power_w: ctx.idlePowerW === null ? '' : String(Number(ctx.idlePowerW.toPrecision(6))),
      energy_method: [...methods].sort().join('+'), gpu_indices: used.join(' '),
    },
  };
}
