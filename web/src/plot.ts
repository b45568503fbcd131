/**
 * Small SVG scatter plots for the pages (a Pareto front, a parity plot, a latency-energy trade-off): axes with
 * a few ticks, optional log scales, an optional y = x line, and points that may carry a class (highlighted,
 * most frugal, fastest) and a title (hover text). No chart library: the whole app stays small.
 */
export interface PlotPoint {
  x: number;
  y: number;
  cls?: string;
  title?: string;
}

export interface PlotOptions {
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  /** draw y = x (parity) */
  diagonal?: boolean;
  /** join the points in x order (a front) */
  steps?: boolean;
  width?: number;
  height?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(0) : Number(v.toPrecision(3)).toString();
}

function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    // decades; with less than two decades on the axis, 2 and 5 times them as well
    const mantissas = hi - lo < 2 ? [1, 2, 5] : [1];
    const out: number[] = [];
    const step = Math.max(1, Math.ceil((Math.ceil(hi) - Math.floor(lo)) / 5));
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e += step) {
      for (const m of mantissas) { const t = e + Math.log10(m); if (t >= lo - 1e-9 && t <= hi + 1e-9) out.push(t); }
    }
    return out.length ? out : [lo];
  }
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 4));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-9 * span; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

export function scatterSvg(points: readonly PlotPoint[], o: PlotOptions): string {
  const W = o.width ?? 420;
  const H = o.height ?? 300;
  const m = { left: 64, right: 14, top: 12, bottom: 44 };
  const tx = (v: number): number => (o.logX ? Math.log10(v) : v);
  const ty = (v: number): number => (o.logY ? Math.log10(v) : v);
  const ok = points.filter((p) => Number.isFinite(tx(p.x)) && Number.isFinite(ty(p.y)));
  let [x0, x1] = ok.length ? [Math.min(...ok.map((p) => tx(p.x))), Math.max(...ok.map((p) => tx(p.x)))] : [0, 1];
  let [y0, y1] = ok.length ? [Math.min(...ok.map((p) => ty(p.y))), Math.max(...ok.map((p) => ty(p.y)))] : [0, 1];
  if (o.diagonal) { x0 = y0 = Math.min(x0, y0); x1 = y1 = Math.max(x1, y1); }
  const padX = (x1 - x0) * 0.05 || 0.5;
  const padY = (y1 - y0) * 0.05 || 0.5;
  x0 -= padX; x1 += padX; y0 -= padY; y1 += padY;
  const px = (v: number): number => m.left + ((v - x0) / (x1 - x0)) * (W - m.left - m.right);
  const py = (v: number): number => H - m.bottom - ((v - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const label = (v: number, log: boolean): string => (log ? tickText(10 ** v) : tickText(v));
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" class="plot" role="img">`];
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" class="frame"/>`);
  for (const t of ticks(x0, x1, !!o.logX)) parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${H - m.bottom}" y2="${H - m.bottom + 4}" class="tick"/><text x="${px(t)}" y="${H - m.bottom + 16}" text-anchor="middle">${esc(label(t, !!o.logX))}</text>`);
  for (const t of ticks(y0, y1, !!o.logY)) parts.push(`<line x1="${m.left - 4}" x2="${m.left}" y1="${py(t)}" y2="${py(t)}" class="tick"/><text x="${m.left - 6}" y="${py(t) + 4}" text-anchor="end">${esc(label(t, !!o.logY))}</text>`);
  parts.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 8}" text-anchor="middle" class="axis">${esc(o.xLabel)}</text>`);
  parts.push(`<text x="14" y="${(m.top + H - m.bottom) / 2}" text-anchor="middle" class="axis" transform="rotate(-90 14 ${(m.top + H - m.bottom) / 2})">${esc(o.yLabel)}</text>`);
  if (o.diagonal) parts.push(`<line x1="${px(x0)}" y1="${py(x0)}" x2="${px(x1)}" y2="${py(x1)}" class="diagonal"/>`);
  if (o.steps && ok.length > 1) {
    const sorted = [...ok].sort((a, b) => a.x - b.x);
    parts.push(`<polyline class="steps" points="${sorted.map((p) => `${px(tx(p.x))},${py(ty(p.y))}`).join(' ')}"/>`);
  }
  for (const p of ok) {
    parts.push(`<circle cx="${px(tx(p.x)).toFixed(1)}" cy="${py(ty(p.y)).toFixed(1)}" r="${p.cls ? 5 : 3.5}" class="pt ${p.cls ?? ''}">${p.title ? `<title>${esc(p.title)}</title>` : ''}</circle>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export { esc };
