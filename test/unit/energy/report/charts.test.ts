import { describe, expect, it } from 'vitest';
import { medianLinePoints, parallelismChart, type ConfigPoint } from '../../../../src/energy/report/charts.js';

const at = (hardware: string, batch: number, n: number): ConfigPoint[] =>
  Array.from({ length: n }, (_, i) => ({ energyPerToken: 1 + i, tp: 1, pp: 1, batch, hardware, model: 'm' }));

describe('the parallelism chart\'s median lines', () => {
  it('leave out a value a GPU\'s records hold less than a tenth as often as its most common one, per GPU', () => {
    // H100: 40 records at 8 and 32, 3 at a capped batch of 14; B200: 5 records at 44 against 20 at 8
    const points = [...at('H100', 8, 40), ...at('H100', 32, 40), ...at('H100', 14, 3), ...at('B200', 8, 20), ...at('B200', 44, 5), ...at('B200', 14, 1)];
    const kept = medianLinePoints(points, 'batch');
    const values = (hw: string) => [...new Set(kept.filter((p) => p.hardware === hw).map((p) => p.batch))].sort((a, b) => a - b);
    expect(values('H100')).toEqual([8, 32]);
    // 5 of 20 is a quarter: kept; 1 of 20 is not
    expect(values('B200')).toEqual([8, 44]);
    expect(medianLinePoints(points, 'tp')).toHaveLength(points.length);
  });

  it('the lines are drawn from those records, the points from all', () => {
    const points = [...at('H100', 8, 40), ...at('H100', 14, 2)];
    const spec = parallelismChart(points) as { data: { values: ConfigPoint[] }; hconcat: { layer: { data?: { values: ConfigPoint[] }; mark: { type: string } }[] }[] };
    expect(spec.data.values).toHaveLength(42);
    const batchPanel = spec.hconcat[2];
    expect(batchPanel.layer[0].data).toBeUndefined();
    expect(batchPanel.layer[1].mark.type).toBe('line');
    expect(batchPanel.layer[1].data!.values.map((p) => p.batch)).toEqual(Array(40).fill(8));
  });
});
