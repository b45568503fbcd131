/**
 * Vega-Lite specifications rendered to SVG on the server (vega's headless view, no canvas and no browser), so
 * the report is a single HTML file that opens without network access: no script, no external asset.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Legends and axes in full and in dark text: no label is cut short ("Wilkins et al. (20...") or pale. */
const LEGIBLE = {
  legend: { labelLimit: 0, labelColor: '#222', titleColor: '#222', labelFontSize: 12, titleFontSize: 12, symbolOpacity: 1 },
  axis: { labelColor: '#222', titleColor: '#222', labelFontSize: 11, titleFontSize: 12 },
  title: { color: '#222', fontSize: 14, limit: 0 },
};

function merge(...parts: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [k, v] of Object.entries(part)) {
      const prev = out[k];
      out[k] = prev && typeof prev === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? { ...(prev as object), ...(v as object) } : v;
    }
  }
  return out;
}

/** One chart: a Vega-Lite spec (data inline) rendered to an SVG string. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const full: Record<string, unknown> = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: { font: 'sans-serif', view: { stroke: '#ddd' }, ...LEGIBLE }, ...spec };
  // a spec's own config keeps the legible defaults it does not override
  if (spec.config) full.config = merge(LEGIBLE, spec.config as Record<string, unknown>, { font: 'sans-serif', view: { stroke: '#ddd' } });
  const view = new View(parse(compile(full as unknown as TopLevelSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
