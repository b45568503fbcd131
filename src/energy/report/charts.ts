/**
 * The report's charts as Vega-Lite specifications with their data inline: parity of predicted against measured
 * energy per token, sample-efficiency curves per method, measured energy against TP, PP and batch, and the energy
 * the fastest configuration of each scenario costs over the most frugal.
 */
import type { MethodSummary } from '../evaluation/run-splits.js';

export interface ParityPoint { method: string; measured: number; predicted: number }
export interface ConfigPoint { energyPerToken: number; tp: number; pp: number; batch: number; hardware: string; model: string }
export interface DivergencePoint { scenario: string; ratio: number; differs: boolean }

const logScale = { type: 'log' } as const;

export function parityChart(points: readonly ParityPoint[], trainSize: number): Record<string, unknown> {
  const x = { field: 'measured', type: 'quantitative', scale: logScale, title: 'measured J / output token' };
  return {
    title: `Predicted against measured energy per output token (trained on ${trainSize} records, seed 1)`,
    data: { values: points }, columns: 3,
    facet: { field: 'method', type: 'nominal', title: null },
    spec: {
      width: 220, height: 220,
      layer: [
        { mark: { type: 'point', filled: true, size: 14, opacity: 0.5 }, encoding: { x, y: { field: 'predicted', type: 'quantitative', scale: logScale, title: 'predicted J / output token' } } },
        { mark: { type: 'line', color: '#888', strokeDash: [4, 4] }, encoding: { x, y: { field: 'measured', type: 'quantitative' } } },
      ],
    },
    // each panel draws its own x axis: shared footer axes would draw an empty frame under the last row's empty cells
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
  };
}

export function sampleEfficiencyChart(results: readonly MethodSummary[]): Record<string, unknown> {
  const values = results.flatMap((r) => (r.median.mape === null ? [] : [{
    method: r.label, trainSize: r.trainSize, mape: r.median.mape * 100, mapeLow: (r.q25.mape ?? r.median.mape) * 100, mapeHigh: (r.q75.mape ?? r.median.mape) * 100,
    top1: (r.median.top1 ?? 0) * 100, pairwise: (r.median.pairwise ?? 0) * 100,
  }]));
  // axes span the data (log scales otherwise round out to whole decades)
  const sizes = [...new Set(values.map((v) => v.trainSize))].sort((a, b) => a - b);
  const x = { field: 'trainSize', type: 'quantitative', scale: { type: 'log', nice: false, padding: 10 }, axis: { values: sizes, format: 'd' }, title: 'training records' };
  const color = { field: 'method', type: 'nominal', title: 'method' };
  const panel = (field: string, title: string, log: boolean, band?: [string, string]): Record<string, unknown> => ({
    width: 300, height: 240,
    layer: [
      ...(band ? [{ mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: band[0], type: 'quantitative', scale: log ? { type: 'log', nice: false, padding: 6 } : {} }, y2: { field: band[1] }, color } }] : []),
      { mark: { type: 'line', point: true }, encoding: { x, y: { field, type: 'quantitative', title, scale: log ? { type: 'log', nice: false, padding: 6 } : { zero: false } }, color } },
    ],
  });
  return {
    title: 'Sample efficiency: median over seeds (band: quartiles of MAPE)', data: { values },
    // three panels and a legend on the right would pass the page's width: the legend goes below
    config: { legend: { orient: 'bottom', columns: 2, labelLimit: 0 } },
    hconcat: [panel('mape', 'MAPE, energy per token (%)', true, ['mapeLow', 'mapeHigh']), panel('pairwise', 'pairwise ranking (%)', false), panel('top1', 'Top-1 (%)', false)],
  };
}

/** Ticks at the powers of two the values span (a batch of 243 run at once sits between the 128 and 256 ticks). */
function powersOfTwoSpanning(values: readonly number[]): number[] {
  const lo = Math.floor(Math.log2(Math.min(...values)));
  const hi = Math.ceil(Math.log2(Math.max(...values)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 2 ** (lo + i)).filter((v, _, all) => all.length <= 10 || Math.log2(v) % 2 === 0);
}

/**
 * The records a median line of `field` goes through: per GPU, the values of `field` held by at least a tenth as many of
 * its records as its most common value. A batch the memory capped (the simulator runs what fits: 14 or 71 sequences
 * where 32 or 128 were asked) is held by one or a few records, and its median made a bend that was no trend; it stays a
 * point of the cloud.
 */
export function medianLinePoints(points: readonly ConfigPoint[], field: 'tp' | 'pp' | 'batch'): ConfigPoint[] {
  const counts = new Map<string, Map<number, number>>();
  for (const p of points) {
    const byValue = counts.get(p.hardware) ?? new Map<number, number>();
    byValue.set(p[field], (byValue.get(p[field]) ?? 0) + 1);
    counts.set(p.hardware, byValue);
  }
  const most = new Map([...counts].map(([hw, byValue]) => [hw, Math.max(...byValue.values())]));
  return points.filter((p) => counts.get(p.hardware)!.get(p[field])! * 10 >= most.get(p.hardware)!);
}

export function parallelismChart(points: readonly ConfigPoint[]): Record<string, unknown> {
  // the y axis spans the data (no rounding out to whole decades); a median line per GPU reads through the cloud
  const y = { field: 'energyPerToken', type: 'quantitative', scale: { type: 'log', nice: false, padding: 6 }, title: 'measured J / output token' };
  const color = { field: 'hardware', type: 'nominal', title: 'GPU' };
  const panel = (field: string, title: string): Record<string, unknown> => {
    const x = { field, type: 'quantitative', title, scale: { type: 'log', base: 2, nice: false, padding: 8 }, axis: { values: powersOfTwoSpanning(points.map((p) => p[field as 'tp' | 'pp' | 'batch'])), format: 'd' } };
    return {
      width: 250, height: 220,
      layer: [
        { mark: { type: 'point', filled: true, size: 12, opacity: 0.3 }, encoding: { x, y, color } },
        { data: { values: medianLinePoints(points, field as 'tp' | 'pp' | 'batch') }, mark: { type: 'line', strokeWidth: 2.5, point: { size: 30 } }, encoding: { x, y: { ...y, aggregate: 'median' }, color } },
      ],
    };
  };
  return {
    title: 'Measured energy per token against tensor parallelism, pipeline parallelism and batch (lines: median per GPU)',
    data: { values: points }, config: { legend: { orient: 'bottom' } },
    hconcat: [panel('tp', 'TP'), panel('pp', 'PP'), panel('batch', 'batch (concurrent sequences)')],
  };
}

const DIFFERS = 'the fastest is not the most frugal';
const SAME = 'the fastest is the most frugal';

export function divergenceChart(points: readonly DivergencePoint[]): Record<string, unknown> {
  return {
    title: 'Energy of the fastest configuration over the most frugal, per scenario (measured)',
    data: { values: points.map((p) => ({ ...p, kind: p.differs ? DIFFERS : SAME })) }, width: 760, height: 220,
    config: { legend: { orient: 'bottom' } },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'scenario', type: 'nominal', sort: '-y', axis: null, title: 'scenarios (sorted)' },
      y: { field: 'ratio', type: 'quantitative', title: 'fastest / most frugal, J per token' },
      color: { field: 'kind', type: 'nominal', title: null, scale: { domain: [DIFFERS, SAME], range: ['#d62728', '#1f77b4'] } },
      tooltip: [{ field: 'scenario' }, { field: 'ratio', format: '.2f' }],
    },
  };
}
