/**
 * Vega-Lite specifications rendered to SVG on the server (vega's headless view, no canvas and no browser), so
 * the report is a single HTML file that opens without network access: no script, no external asset.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One chart: a Vega-Lite spec (data inline) rendered to an SVG string. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: { font: 'sans-serif', view: { stroke: '#ddd' }, legend: { labelLimit: 280 } }, ...spec };
  const view = new View(parse(compile(full as unknown as TopLevelSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
