import { describe, expect, it, beforeAll, afterAll, afterEach } from 'vitest';
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  energyBetween, meanPowerW, measureIdle, probeGpus, startGpuSampler, waitForSamplesAfter, type GpuSampler,
} from '../../../src/energy/profiler/gpu-energy.js';
import { nowMs, type GpuSample } from '../../../src/energy/profiler/types.js';

const FAKE = fileURLToPath(new URL('../../fixtures/bin/nvidia-smi', import.meta.url));
const FAKE_ENV = ['FAKE_NVSMI_GPUS', 'FAKE_NVSMI_NAME', 'FAKE_NVSMI_MEMORY_MIB', 'FAKE_NVSMI_FAIL', 'FAKE_NVSMI_NO_ENERGY',
  'FAKE_NVSMI_EXIT_AFTER_MS', 'FAKE_NVSMI_IDLE_W', 'FAKE_NVSMI_PREFILL_W', 'FAKE_NVSMI_DECODE_W', 'FAKE_GPU_STATE', 'PATH'];
const savedEnv = Object.fromEntries(FAKE_ENV.map((k) => [k, process.env[k]]));

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'el-gpu-energy-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });
afterEach(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** Set environment variables for the children spawned from here on (the child copies the environment at spawn). */
function setEnv(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

/** Written by rename so the fake never reads half a file. */
function writeState(file: string, state: object): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The longest time between two consecutive samples of one GPU (how late a line can be stamped on this machine now). */
function largestGapMs(samples: readonly GpuSample[]): number {
  const last = new Map<number, number>();
  let gap = 0;
  for (const s of samples) {
    const prev = last.get(s.gpu);
    if (prev !== undefined) gap = Math.max(gap, s.timeMs - prev);
    last.set(s.gpu, s.timeMs);
  }
  return gap;
}

/**
 * A phase of the fake engine: at least `minMs`, and long enough that its inside, `marginMs(samplers)` away from
 * both switches, is at least half the phase and holds 10 samples per GPU: a loaded machine reads the fake's lines
 * late and in bursts, so a fixed sleep would leave windows whose edges straddle a switch.
 */
async function phase(samplers: readonly GpuSampler[], minMs: number): Promise<void> {
  const from = nowMs();
  for (;;) {
    await sleep(50);
    const elapsed = nowMs() - from;
    const margin = marginMs(samplers);
    const inside = (s: GpuSampler): number => s.samples.filter((x) => x.gpu === 0 && x.timeMs > from + margin && x.timeMs < from + elapsed - margin).length;
    if (elapsed >= minMs && elapsed >= 4 * margin && samplers.every((s) => inside(s) >= 10)) return;
    if (elapsed > 30_000) throw new Error(`the fake nvidia-smi gave too few samples in 30 s (largest gap ${margin / 2} ms)`);
  }
}

/** How far from a switch a window must stay: 100 ms, or twice the largest sampling gap seen, if longer. */
const marginMs = (samplers: readonly GpuSampler[]): number => Math.max(100, 2 * Math.max(...samplers.map((s) => largestGapMs(s.samples))));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('probeGpus', () => {
  it('lists the GPUs of the fake nvidia-smi', async () => {
    setEnv({ FAKE_NVSMI_GPUS: '3', FAKE_NVSMI_NAME: 'NVIDIA A100-SXM4-40GB', FAKE_NVSMI_MEMORY_MIB: '40960' });
    const gpus = await probeGpus({ command: FAKE });
    expect(gpus).toEqual([0, 1, 2].map((index) => ({ index, name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960 })));
  });

  it('finds nvidia-smi on PATH by default', async () => {
    setEnv({ PATH: `${dirname(FAKE)}${delimiter}${process.env.PATH}` });
    const gpus = await probeGpus();
    expect(gpus).toHaveLength(8);
    expect(gpus[7]).toEqual({ index: 7, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 });
  });

  it('reports a driver failure with its message', async () => {
    setEnv({ FAKE_NVSMI_FAIL: '1' });
    const err = await rejection(probeGpus({ command: FAKE }));
    expect(err.code).toBe('GPU_UNAVAILABLE');
    expect(err.message).toContain("couldn't communicate with the NVIDIA driver");
    expect(err.message).toContain('exited with code 9');
  });

  it('reports a missing nvidia-smi', async () => {
    setEnv({ PATH: dir });
    const onPath = await rejection(probeGpus());
    expect(onPath.code).toBe('GPU_UNAVAILABLE');
    expect(onPath.message).toContain('nvidia-smi not found on PATH');
    const byPath = await rejection(probeGpus({ command: join(dir, 'no-such-nvidia-smi') }));
    expect(byPath.code).toBe('GPU_UNAVAILABLE');
    expect(byPath.message).toMatch(/nvidia-smi.*not found/);
  });

  it('reports unparsable output, no GPUs, and a hang', async () => {
    const garbage = await rejection(probeGpus({ command: script('garbage', 'echo "Something odd"') }));
    expect(garbage).toMatchObject({ code: 'GPU_UNAVAILABLE', message: expect.stringContaining('"Something odd"') });
    const empty = await rejection(probeGpus({ command: script('empty', 'exit 0') }));
    expect(empty).toMatchObject({ code: 'GPU_UNAVAILABLE', message: expect.stringContaining('no GPUs') });
    const hang = await rejection(probeGpus({ command: script('hang', 'exec sleep 10'), timeoutMs: 200 }));
    expect(hang).toMatchObject({ code: 'GPU_UNAVAILABLE', message: expect.stringContaining('did not answer within 200 ms') });
  });
});

describe('energyBetween on synthetic samples', () => {
  // GPU 0: 100 W -> 200 W -> 100 W, counter consistent with the trapezoids; GPU 1: constant 50 W, offset by 10 ms
  const gpu0: GpuSample[] = [
    { timeMs: 0, gpu: 0, powerW: 100, energyMJ: 0 },
    { timeMs: 1000, gpu: 0, powerW: 200, energyMJ: 150_000 },
    { timeMs: 2000, gpu: 0, powerW: 100, energyMJ: 300_000 },
  ];
  const gpu1: GpuSample[] = [
    { timeMs: 10, gpu: 1, powerW: 50, energyMJ: 1_000_000 },
    { timeMs: 1010, gpu: 1, powerW: 50, energyMJ: 1_050_000 },
    { timeMs: 2010, gpu: 1, powerW: 50, energyMJ: 1_100_000 },
  ];
  const mixed = [gpu1[0], gpu0[0], gpu1[1], gpu0[1], gpu0[2], gpu1[2]];
  const noCounter = (s: GpuSample[]): GpuSample[] => s.map((x) => ({ ...x, energyMJ: null }));

  it('interpolates the counters at the window edges', () => {
    expect(energyBetween(gpu0, [0], 500, 1500)).toEqual({ energyJ: 150, method: 'counter' });
    expect(energyBetween(gpu0, [0], 0, 2000)).toEqual({ energyJ: 300, method: 'counter' });
    const both = energyBetween(mixed, [0, 1], 500, 1500);
    expect(both.method).toBe('counter');
    expect(both.energyJ).toBeCloseTo(200, 9);
    expect(meanPowerW(mixed, [0, 1], 500, 1500)).toBeCloseTo(200, 9);
  });

  it('integrates power by trapezoids when a counter is missing', () => {
    expect(energyBetween(noCounter(gpu0), [0], 500, 1500)).toEqual({ energyJ: 175, method: 'power' });
    const oneMissing = energyBetween([...noCounter(gpu0), ...gpu1], [0, 1], 500, 1500);
    expect(oneMissing.method).toBe('power');
    expect(oneMissing.energyJ).toBeCloseTo(225, 9);
  });

  it('falls back to power when a counter decreases', () => {
    const reset = [gpu0[0], gpu0[1], { ...gpu0[2], energyMJ: 100 }];
    expect(energyBetween(reset, [0], 500, 1500)).toEqual({ energyJ: 175, method: 'power' });
  });

  it('rejects a window the samples do not cover', () => {
    expect(() => energyBetween(mixed, [0, 1], 5, 1500)).toThrow(expect.objectContaining({ code: 'INVALID_DATA', message: expect.stringContaining('GPU 1') }));
    expect(() => energyBetween(mixed, [0], 500, 2005)).toThrow(expect.objectContaining({ code: 'INVALID_DATA', message: expect.stringMatching(/GPU 0.*end/) }));
    expect(() => energyBetween(mixed, [7], 500, 1500)).toThrow(expect.objectContaining({ code: 'INVALID_DATA', message: expect.stringContaining('GPU 7') }));
  });

  it('rejects an empty window and bad GPU lists', () => {
    expect(() => energyBetween(mixed, [0], 1500, 1500)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => energyBetween(mixed, [], 500, 1500)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('startGpuSampler on the fake nvidia-smi', () => {
  it('measures the power model through idle, busy and decode phases', async () => {
    const state = join(dir, 'state.json');
    const visible = [0, 1];
    writeState(state, { visibleDevices: visible, prefilling: 0, decoding: 0 });
    setEnv({ FAKE_NVSMI_GPUS: '4', FAKE_GPU_STATE: state, FAKE_NVSMI_NO_ENERGY: '1' });
    const gpus = [0, 1, 2, 3];
    const intervalMs = 20;
    const noCounter = startGpuSampler({ gpus, intervalMs, command: FAKE });
    setEnv({ FAKE_NVSMI_NO_ENERGY: undefined });
    const samplers: GpuSampler[] = await Promise.all([startGpuSampler({ gpus, intervalMs, command: FAKE }), noCounter]);
    const [withCounter, powerOnly] = samplers;
    try {
      const t0 = nowMs();
      await phase(samplers, 600);
      const t1 = nowMs();
      writeState(state, { visibleDevices: visible, prefilling: 2, decoding: 5 });
      await phase(samplers, 600);
      const t2 = nowMs();
      writeState(state, { visibleDevices: visible, prefilling: 0, decoding: 3 });
      await phase(samplers, 600);
      const t3 = nowMs();
      for (const s of samplers) await waitForSamplesAfter(s, gpus, t3);
      const margin = marginMs(samplers);
      const phases = [{ from: t0, to: t1, busyW: 70 }, { from: t1, to: t2, busyW: 570 }, { from: t2, to: t3, busyW: 270 }];

      for (const [sampler, method] of [[withCounter, 'counter'], [powerOnly, 'power']] as const) {
        expect(sampler.failure).toBeNull();
        for (const { from, to, busyW } of phases) {
          // inside a phase (away from the switches by the margin): the model's power, within a few percent (samples are
          // stamped when read, so a loaded machine moves the edges of a window)
          for (const g of gpus) {
            const expected = visible.includes(g) ? busyW : 70;
            expect(energyBetween(sampler.samples, [g], from + margin, to - margin).method).toBe(method);
            expect(Math.abs(meanPowerW(sampler.samples, [g], from + margin, to - margin) - expected)).toBeLessThan(0.08 * expected);
          }
          // the whole phase: power times duration, with slack for the switch landing a tick (or, under load, a gap)
          // early or late
          const { energyJ } = energyBetween(sampler.samples, visible, from, to);
          const expectedJ = 2 * busyW * ((to - from) / 1000);
          expect(Math.abs(energyJ - expectedJ)).toBeLessThan(0.08 * expectedJ + 2 * 3 * 500 * (Math.max(intervalMs, margin / 2) / 1000));
        }
      }

      // the counters and the power samples of the same run agree
      const byCounter = energyBetween(withCounter.samples, gpus, t0, t3);
      const byPower = energyBetween(withCounter.samples.map((s) => ({ ...s, energyMJ: null })), gpus, t0, t3);
      expect(byCounter.method).toBe('counter');
      expect(byPower.method).toBe('power');
      expect(Math.abs(byCounter.energyJ - byPower.energyJ)).toBeLessThan(0.06 * byCounter.energyJ);
      // only the requested GPUs are kept
      expect(new Set(withCounter.samples.map((s) => s.gpu))).toEqual(new Set(gpus));
    } finally {
      await Promise.all(samplers.map((s) => s.stop()));
    }
  });

  it('keeps only the requested GPUs, and stop() leaves no process behind', async () => {
    setEnv({ FAKE_NVSMI_GPUS: '4' });
    const sampler = await startGpuSampler({ gpus: [1, 3], intervalMs: 20, command: FAKE });
    expect(isAlive(sampler.pid)).toBe(true);
    await sleep(100);
    expect(new Set(sampler.samples.map((s) => s.gpu))).toEqual(new Set([1, 3]));
    expect(sampler.samples.every((s) => s.energyMJ !== null && s.powerW === 70)).toBe(true);
    await Promise.all([sampler.stop(), sampler.stop()]);
    await sampler.stop();
    expect(isAlive(sampler.pid)).toBe(false);
    expect(sampler.failure).toBeNull();
    const count = sampler.samples.length;
    await sleep(60);
    expect(sampler.samples.length).toBe(count);
  });

  it('kills an nvidia-smi that ignores SIGTERM', async () => {
    const stubborn = script('stubborn', "trap '' TERM\nwhile true; do echo '0, 70.00, 1000'; sleep 0.05; done");
    const sampler = await startGpuSampler({ gpus: [0], intervalMs: 50, command: stubborn });
    await sampler.stop();
    expect(isAlive(sampler.pid)).toBe(false);
  });

  it('reports nvidia-smi exiting while sampling', async () => {
    setEnv({ FAKE_NVSMI_GPUS: '2', FAKE_NVSMI_EXIT_AFTER_MS: '200' });
    const sampler = await startGpuSampler({ gpus: [0, 1], intervalMs: 20, command: FAKE });
    try {
      expect(sampler.failure).toBeNull();
      for (let i = 0; i < 300 && sampler.failure === null; i++) await sleep(10);
      expect(sampler.failure).toMatch(/exited with code 1.*Unknown Error/);
      const err = await rejection(waitForSamplesAfter(sampler, [0], nowMs() + 1000));
      expect(err.code).toBe('GPU_UNAVAILABLE');
    } finally {
      await sampler.stop();
    }
  });

  it('rejects when nvidia-smi fails, is missing, or does not list a GPU', async () => {
    setEnv({ FAKE_NVSMI_FAIL: '1' });
    const failed = await rejection(startGpuSampler({ gpus: [0], command: FAKE }));
    expect(failed).toMatchObject({ code: 'GPU_UNAVAILABLE', message: expect.stringContaining("couldn't communicate with the NVIDIA driver") });
    setEnv({ FAKE_NVSMI_FAIL: undefined, FAKE_NVSMI_GPUS: '2', PATH: dir });
    const missing = await rejection(startGpuSampler({ gpus: [0] }));
    expect(missing).toMatchObject({ code: 'GPU_UNAVAILABLE', message: expect.stringContaining('nvidia-smi not found on PATH') });
    setEnv({ PATH: savedEnv.PATH });
    const absent = await rejection(startGpuSampler({ gpus: [0, 5], intervalMs: 20, command: FAKE }));
    expect(absent).toMatchObject({ code: 'GPU_UNAVAILABLE', message: expect.stringContaining('GPU 5') });
  });

  it('rejects bad options', async () => {
    expect(await rejection(startGpuSampler({ gpus: [], command: FAKE }))).toMatchObject({ code: 'INVALID_OPTION' });
    expect(await rejection(startGpuSampler({ gpus: [0, 0], command: FAKE }))).toMatchObject({ code: 'INVALID_OPTION' });
    expect(await rejection(startGpuSampler({ gpus: [0], intervalMs: 5, command: FAKE }))).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('intervalMs') });
  });
});

describe('measureIdle', () => {
  it('returns the idle power per GPU and their mean', async () => {
    setEnv({ FAKE_NVSMI_GPUS: '4', FAKE_NVSMI_IDLE_W: '55' });
    const idle = await measureIdle({ gpus: [0, 2], durationMs: 600, intervalMs: 20, command: FAKE });
    expect(idle.perGpuW).toHaveLength(2);
    // samples are stamped when read: on a loaded machine a late line shifts a window edge by a few ms
    for (const w of [idle.powerW, ...idle.perGpuW]) expect(Math.abs(w - 55)).toBeLessThan(0.06 * 55);
  });
});
