/**
 * Shapes (and the clock) shared by the profiler's parts: GPU energy sampling (gpu-energy.ts), the serving
 * engine's lifecycle (server.ts), the load driver (load.ts) and the sweep (sweep.ts). Times are milliseconds on one clock,
 * `performance.timeOrigin + performance.now()` (wall-clock epoch milliseconds, monotonic within a process), so
 * GPU samples and request events can be compared directly.
 */

/** The profiler's clock (ms). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One reading of one GPU. */
export interface GpuSample {
  /** when the line was read (ms, the profiler's clock) */
  timeMs: number;
  /** nvidia-smi GPU index */
  gpu: number;
  powerW: number;
  /** cumulative energy counter since driver load, millijoules (NVML total_energy_consumption); null when N/A */
  energyMJ: number | null;
}

/** A GPU as nvidia-smi lists it. */
export interface GpuInfo {
  index: number;
  name: string;
  memoryMiB: number;
}

/** Energy of a set of GPUs over a time window. */
export interface WindowEnergy {
  energyJ: number;
  /** 'counter': differences of the cumulative energy counters; 'power': power samples integrated (trapezoids) */
  method: 'counter' | 'power';
}

/** One streamed completion request, as the load driver saw it. */
export interface RequestTiming {
  sentMs: number;
  /** arrival of the first generated token; null when none arrived */
  firstTokenMs: number | null;
  /** arrival time of every streamed chunk that carried generated text, in order */
  tokenMs: number[];
  /** prompt and completion tokens the server reported (usage), or null when it reported none */
  promptTokens: number | null;
  completionTokens: number | null;
  /** why the request failed (HTTP status, stream error, timeout); absent when it succeeded */
  error?: string;
}

/** A wave: `concurrency` requests sent together; the next wave starts when every request of this one ended. */
export interface WaveResult {
  startMs: number;
  /** the latest first token of the wave: the wave's prefill window is [startMs, prefillEndMs] */
  prefillEndMs: number;
  /** the last token of the wave: its decode window is [prefillEndMs, endMs] */
  endMs: number;
  requests: RequestTiming[];
}
