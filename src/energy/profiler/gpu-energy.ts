/**
 * GPU energy through nvidia-smi: list the GPUs, sample power and the energy counter in nvidia-smi's loop mode,
 * and integrate a time window. Times are the profiler's clock, `performance.timeOrigin + performance.now()` (ms).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EnergyLensError } from '../../errors.js';
import { nowMs, type GpuInfo, type GpuSample, type WindowEnergy } from './types.js';

/** A running `nvidia-smi -lms` child and the samples it has produced so far. */
export interface GpuSampler {
  readonly samples: readonly GpuSample[];
  /** null while healthy; the reason once nvidia-smi exited unexpectedly */
  readonly failure: string | null;
  /** process id of the nvidia-smi child */
  readonly pid: number;
  stop(): Promise<void>;
}

export const DEFAULT_COMMAND = 'nvidia-smi';
export const DEFAULT_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 10_000;
const KILL_GRACE_MS = 2_000;


const unavailable = (message: string): EnergyLensError => new EnergyLensError('GPU_UNAVAILABLE', message);

function spawnError(command: string, err: NodeJS.ErrnoException): EnergyLensError {
  if (err.code === 'ENOENT') {
    return unavailable(command === DEFAULT_COMMAND
      ? 'nvidia-smi not found on PATH; install the NVIDIA driver or pass --nvidia-smi PATH'
      : `nvidia-smi command ${command} not found; install the NVIDIA driver or pass --nvidia-smi PATH`);
  }
  return unavailable(`cannot run nvidia-smi (${command}): ${err.message}`);
}

/** "exited with code 9: <first line of its output>" */
function exitText(code: number | null, signal: NodeJS.Signals | null, ...outputs: string[]): string {
  const line = outputs.join('\n').split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'no output';
  return `${signal !== null ? `was killed by ${signal}` : `exited with code ${code}`}: ${line}`;
}

/** Run nvidia-smi once and return its stdout. */
function runOnce(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(unavailable(`nvidia-smi (${command}) did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(spawnError(command, err)); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(unavailable(`nvidia-smi (${command}) ${exitText(code, signal, stderr, stdout)}`));
    });
  });
}

/** The GPUs nvidia-smi lists (index, name, memory). */
export async function probeGpus(options: { command?: string; timeoutMs?: number } = {}): Promise<GpuInfo[]> {
  const command = options.command ?? DEFAULT_COMMAND;
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new EnergyLensError('INVALID_OPTION', 'options.timeoutMs must be a positive number');
  const out = await runOnce(command, ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'], timeoutMs);
  const gpus: GpuInfo[] = [];
  for (const line of out.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
    const parts = line.split(',').map((p) => p.trim());
    const index = Number(parts[0]);
    const memoryMiB = Number(parts[parts.length - 1]);
    const name = parts.slice(1, -1).join(', ');
    if (parts.length < 3 || !Number.isInteger(index) || index < 0 || !Number.isFinite(memoryMiB) || name === '') {
      throw unavailable(`cannot parse nvidia-smi line "${line}" (expected "index, name, memory.total")`);
    }
    gpus.push({ index, name, memoryMiB });
  }
  if (gpus.length === 0) throw unavailable(`nvidia-smi (${command}) lists no GPUs`);
  return gpus;
}

function validateGpus(gpus: readonly number[]): void {
  if (gpus.length === 0 || !gpus.every((g) => Number.isInteger(g) && g >= 0) || new Set(gpus).size !== gpus.length) {
    throw new EnergyLensError('INVALID_OPTION', `options.gpus must be a non-empty list of distinct GPU indices, got [${gpus.join(', ')}]`);
  }
}

const NOT_A_NUMBER = /^\[?(N\/A|Not Supported|Unknown Error)\]?$/i;

/** One `index, power.draw, total_energy_consumption` line, or null when it has no usable power. */
function parseSampleLine(line: string, timeMs: number): GpuSample | null {
  const [indexText, powerText, energyText] = line.split(',').map((p) => p.trim());
  const gpu = Number(indexText);
  const powerW = Number(powerText);
  if (!Number.isInteger(gpu) || powerText === undefined || NOT_A_NUMBER.test(powerText) || !Number.isFinite(powerW)) return null;
  const energy = energyText === undefined || NOT_A_NUMBER.test(energyText) ? NaN : Number(energyText);
  return { timeMs, gpu, powerW, energyMJ: Number.isFinite(energy) ? energy : null };
}

/**
 * Start `nvidia-smi -lms` and collect samples of the given GPUs. Resolves once every GPU has produced a sample;
 * rejects (GPU_UNAVAILABLE) if nvidia-smi exits first or a GPU never appears within 5 s or 50 intervals.
 */
export async function startGpuSampler(options: { gpus: readonly number[]; intervalMs?: number; command?: string }): Promise<GpuSampler> {
  const gpus = options.gpus;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const command = options.command ?? DEFAULT_COMMAND;
  validateGpus(gpus);
  if (!Number.isInteger(intervalMs) || intervalMs < 10) {
    throw new EnergyLensError('INVALID_OPTION', `options.intervalMs must be an integer >= 10, got ${intervalMs}`);
  }
  const wanted = new Set(gpus);
  const samples: GpuSample[] = [];
  const linesPerGpu = new Map<number, number>();
  const startupMs = Math.max(5000, 50 * intervalMs);
  let failure: string | null = null;
  let stopping = false;
  let stopped: Promise<void> | null = null;
  let [pending, stderr, other] = ['', '', '']; // other: output lines that are not samples, for error messages

  const child: ChildProcess = spawn(command, [
    '--query-gpu=index,power.draw,total_energy_consumption', '--format=csv,noheader,nounits', '-lms', String(intervalMs),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = (): void => { child.kill('SIGKILL'); }; // never outlive the profiler
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.on('close', () => { process.off('exit', killOnExit); resolve(); }));
  const sampler: GpuSampler = {
    samples,
    get failure() { return failure; },
    pid: child.pid ?? -1,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };

  return new Promise<GpuSampler>((resolve, reject) => {
    let settled = false;
    const fail = (err: EnergyLensError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      stopping = true;
      child.kill('SIGKILL');
      void exited.then(() => reject(err));
    };
    const deadline = setTimeout(() => {
      const missing = gpus.filter((g) => !samples.some((s) => s.gpu === g));
      fail(unavailable(`nvidia-smi (${command}) gave no power reading for GPU ${missing.join(', ')} within ${startupMs} ms`));
    }, startupMs);

    const onLine = (line: string, timeMs: number): void => {
      const sample = parseSampleLine(line, timeMs);
      const index = sample?.gpu ?? Number(line.split(',')[0]);
      if (Number.isInteger(index)) linesPerGpu.set(index, (linesPerGpu.get(index) ?? 0) + 1);
      if (sample === null && other.length < 4096) other += line + '\n';
      if (sample !== null && wanted.has(sample.gpu)) samples.push(sample);
      if (sample === null || settled) return;
      const missing = gpus.filter((g) => !linesPerGpu.has(g));
      if (missing.length > 0 && Math.max(...linesPerGpu.values()) >= 3) {
        // three rounds of lines and these GPUs never appeared: nvidia-smi does not list them
        const listed = [...linesPerGpu.keys()].sort((a, b) => a - b).join(', ');
        fail(unavailable(`nvidia-smi (${command}) does not list GPU ${missing.join(', ')} (it lists ${listed})`));
      } else if (gpus.every((g) => samples.some((s) => s.gpu === g))) {
        settled = true;
        clearTimeout(deadline);
        resolve(sampler);
      }
    };

    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const timeMs = nowMs();
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line.trim(), timeMs);
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { if (stderr.length < 4096) stderr += s; });
    for (const stream of [child.stdout!, child.stderr!]) stream.on('error', () => undefined);
    child.on('error', (err) => fail(spawnError(command, err)));
    child.on('close', (code, signal) => { // 'close', not 'exit': all of its output has been read by then
      if (stopping) return;
      failure = `nvidia-smi (${command}) ${exitText(code, signal, stderr, other)}`;
      fail(unavailable(failure));
    });
  });
}

/** The given GPUs that have no sample at or after timeMs (samples arrive in time order). */
function missingSamplesAfter(samples: readonly GpuSample[], gpus: readonly number[], timeMs: number): number[] {
  const missing = new Set(gpus);
  for (let i = samples.length - 1; i >= 0 && samples[i].timeMs >= timeMs; i--) missing.delete(samples[i].gpu);
  return [...missing];
}

/**
 * Resolve once every given GPU has a sample at or after timeMs (so a window ending at timeMs is covered);
 * rejects with GPU_UNAVAILABLE if the sampler failed or timeoutMs passed.
 */
export async function waitForSamplesAfter(sampler: GpuSampler, gpus: readonly number[], timeMs: number, timeoutMs = 5000): Promise<void> {
  const giveUpMs = nowMs() + timeoutMs;
  for (;;) {
    const missing = missingSamplesAfter(sampler.samples, gpus, timeMs);
    if (missing.length === 0) return;
    if (sampler.failure !== null) throw unavailable(sampler.failure);
    if (nowMs() > giveUpMs) throw unavailable(`no sample of GPU ${missing.join(', ')} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const lerp = (t0: number, v0: number, t1: number, v1: number, t: number): number =>
  t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);

/** The samples of one GPU that cover [startMs, endMs]: from the last at or before startMs to the first at or after endMs. */
function coveringSamples(samples: readonly GpuSample[], gpu: number, startMs: number, endMs: number): GpuSample[] {
  const own = samples.filter((s) => s.gpu === gpu);
  if (own.length === 0) throw new EnergyLensError('INVALID_DATA', `GPU ${gpu} has no samples`);
  const first = own.findLastIndex((s) => s.timeMs <= startMs);
  const last = own.findIndex((s) => s.timeMs >= endMs);
  const [firstMs, lastMs] = [own[0].timeMs, own[own.length - 1].timeMs];
  if (first < 0) {
    throw new EnergyLensError('INVALID_DATA', `GPU ${gpu} samples do not cover the window start: `
      + `the first sample (${firstMs} ms) is ${(firstMs - startMs).toFixed(1)} ms after startMs ${startMs}`);
  }
  if (last < 0) {
    throw new EnergyLensError('INVALID_DATA', `GPU ${gpu} samples do not cover the window end: `
      + `the last sample (${lastMs} ms) is ${(endMs - lastMs).toFixed(1)} ms before endMs ${endMs}`);
  }
  return own.slice(first, last + 1);
}

function counterEnergyJ(s: GpuSample[], startMs: number, endMs: number): number {
  const at = (t: number): number => {
    const i = Math.max(1, s.findIndex((x) => x.timeMs >= t));
    return lerp(s[i - 1].timeMs, s[i - 1].energyMJ!, s[i].timeMs, s[i].energyMJ!, t);
  };
  return (at(endMs) - at(startMs)) / 1000;
}

function powerEnergyJ(s: GpuSample[], startMs: number, endMs: number): number {
  let energyJ = 0;
  for (let i = 1; i < s.length; i++) {
    const [a, b] = [s[i - 1], s[i]];
    const lo = Math.max(a.timeMs, startMs);
    const hi = Math.min(b.timeMs, endMs);
    if (hi <= lo) continue;
    const pLo = lerp(a.timeMs, a.powerW, b.timeMs, b.powerW, lo);
    const pHi = lerp(a.timeMs, a.powerW, b.timeMs, b.powerW, hi);
    energyJ += ((pLo + pHi) / 2) * ((hi - lo) / 1000);
  }
  return energyJ;
}

/**
 * Energy of the given GPUs (summed) over [startMs, endMs]: from the energy counters when every covering sample
 * has one and none decreases, otherwise from the power samples (trapezoids).
 */
export function energyBetween(samples: readonly GpuSample[], gpus: readonly number[], startMs: number, endMs: number): WindowEnergy {
  validateGpus(gpus);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
    throw new EnergyLensError('INVALID_OPTION', `the window must have endMs > startMs, got [${startMs}, ${endMs}]`);
  }
  const perGpu = gpus.map((g) => coveringSamples(samples, g, startMs, endMs));
  const counters = perGpu.every((s) => s.every((x, i) => x.energyMJ !== null && (i === 0 || x.energyMJ >= s[i - 1].energyMJ!)));
  const integrate = counters ? counterEnergyJ : powerEnergyJ;
  return { energyJ: perGpu.reduce((sum, s) => sum + integrate(s, startMs, endMs), 0), method: counters ? 'counter' : 'power' };
}

/** Mean power (W) of the given GPUs together over [startMs, endMs]. */
export function meanPowerW(samples: readonly GpuSample[], gpus: readonly number[], startMs: number, endMs: number): number {
  return energyBetween(samples, gpus, startMs, endMs).energyJ / ((endMs - startMs) / 1000);
}

/** Sample the GPUs for durationMs and return their mean power: per GPU and the mean over the GPUs. */
export async function measureIdle(options: { gpus: readonly number[]; durationMs: number; intervalMs?: number; command?: string }): Promise<{ powerW: number; perGpuW: number[] }> {
  if (!(options.durationMs > 0) || !Number.isFinite(options.durationMs)) {
    throw new EnergyLensError('INVALID_OPTION', `options.durationMs must be a positive number, got ${options.durationMs}`);
  }
  const sampler = await startGpuSampler(options);
  try {
    const startMs = nowMs();
    await new Promise((r) => setTimeout(r, options.durationMs));
    const endMs = nowMs();
    await waitForSamplesAfter(sampler, options.gpus, endMs);
    const perGpuW = options.gpus.map((g) => meanPowerW(sampler.samples, [g], startMs, endMs));
    return { powerW: perGpuW.reduce((a, b) => a + b, 0) / perGpuW.length, perGpuW };
  } finally {
    await sampler.stop();
  }
}
