/**
 * What `energylens select` prints: the ranking table (the configurations it names are always in it), the
 * headline comparing the most frugal configuration with the fastest one at the same batch (or within the SLO),
 * interval widths as factors, and, where they are wide, which measurement would narrow them most.
 */
import type { Candidate, Selection } from '../energy/model/index.js';
import { sig, textTable } from './energy-args.js';

/** An interval factor above this (the prediction times or divided by 1.5) is called wide. */
export const WIDE_INTERVAL_FACTOR = 1.5;

export interface SelectionTextOptions {
  llm: string; hardware: string; input: number; output: number; top: number; sloTpotMs?: number;
}

const layout = (c: Candidate): string => `tp ${c.tp}, pp ${c.pp}${c.ep > 1 ? `, ep ${c.ep}` : ''}`;
const describe = (c: Candidate): string => `${layout(c)}, batch ${c.batch}`;
const factor = (c: Candidate): string => `x/÷${sig(c.intervalFactor, 2)}`;
const perToken = (c: Candidate): string => `${sig(c.energyPerTokenJ, 3)} J/token (95 %: ${sig(c.energyPerTokenLowJ, 3)}-${sig(c.energyPerTokenHighJ, 3)}, ${factor(c)})`;

/** The rows the table shows: the best `top`, then the named configurations not among them, in rank order. */
export function shownCandidates(s: Selection, top: number): { shown: Candidate[]; gapAfter: number } {
  const best = s.candidates.slice(0, top);
  const named = [s.mostFrugal, s.fastestAtBatch, s.fastest, s.mostInformative].filter((c): c is Candidate => c !== null && !best.includes(c));
  const extra = [...new Set(named)].sort((a, b) => a.rank - b.rank);
  return { shown: [...best, ...extra], gapAfter: extra.length > 0 ? best.length : -1 };
}

function roles(s: Selection, c: Candidate): string {
  const out: string[] = [];
  if (c === s.mostFrugal) out.push('most frugal');
  if (c === s.fastestAtBatch && c !== s.mostFrugal) out.push(`fastest at batch ${c.batch}`);
  if (c === s.fastest && c !== s.fastestAtBatch) out.push('fastest');
  if (c === s.mostInformative) out.push('measure next');
  return out.join(', ');
}

export function selectionText(s: Selection, o: SelectionTextOptions): string {
  const slo = o.sloTpotMs;
  const { shown, gapAfter } = shownCandidates(s, o.top);
  const rows: string[][] = [];
  shown.forEach((c, i) => {
    if (i === gapAfter) rows.push(['...', '', '', '', '', '', '', '', '', '', '', '']);
    rows.push([
      String(c.rank), String(c.tp), String(c.pp), String(c.ep), String(c.gpus), c.runningBatch < c.batch ? `${c.batch} (${c.runningBatch} run)` : String(c.batch),
      `${sig(c.energyPerTokenJ, 3)} (${sig(c.energyPerTokenLowJ, 3)}-${sig(c.energyPerTokenHighJ, 3)})`, factor(c),
      c.tpotMs === null ? '-' : sig(c.tpotMs, 3), slo === undefined ? '' : c.meetsSlo ? 'ok' : 'miss', c.extrapolation.length > 0 ? '*' : '', roles(s, c),
    ]);
  });
  const head = ['rank', 'tp', 'pp', 'ep', 'gpus', 'batch', 'J/token (95 %)', 'interval', 'TPOT ms', slo === undefined ? '' : `SLO ${slo} ms`, 'note', 'chosen as'];
  const count = s.candidates.length;
  const lines = [
    `${o.llm} on ${o.hardware}, ${o.input} input and ${o.output} output tokens per request: ${count} feasible configurations`
      + `${o.top < count ? ` (best ${Math.min(o.top, count)} shown${gapAfter >= 0 ? ', then the ones named below' : ''}; --top N for more)` : ''}`,
    '',
    textTable(head, rows, [9, 10, 11]),
  ];
  const noted = shown.find((c) => c.extrapolation.length > 0);
  if (noted) lines.push(`* outside the training data or near the memory limit, e.g. rank ${noted.rank}: ${noted.extrapolation.join('; ')}`);
  const held = shown.find((c) => c.runningBatch < c.batch);
  if (held) lines.push(`"${held.batch} (${held.runningBatch} run)": the KV-cache pool holds ${held.runningBatch} of the ${held.batch} sequences at once; the engine preempts the rest, and the prediction is at ${held.runningBatch}`);
  lines.push('', ...headline(s, slo));
  return `${lines.join('\n')}\n`;
}

function headline(s: Selection, slo: number | undefined): string[] {
  const { mostFrugal: frugal, fastestAtBatch: atBatch, fastest } = s;
  const out: string[] = [];
  if (!frugal) return [`no configuration meets the TPOT objective of ${slo} ms; the fastest is ${fastest ? `${describe(fastest)}, ${sig(fastest.tpotMs as number, 3)} ms` : 'unknown'}`];
  const within = slo === undefined ? '' : ` within the ${slo} ms objective`;
  out.push(`most frugal${within}: ${describe(frugal)}: ${perToken(frugal)}${frugal.tpotMs === null ? '' : `, TPOT ${sig(frugal.tpotMs, 3)} ms`}`);
  if (!s.latencyModel) {
    out.push('fastest: unknown (the model was fitted without time per output token)');
  } else if (atBatch && atBatch !== frugal) {
    const faster = (frugal.tpotMs as number) / (atBatch.tpotMs as number);
    const more = atBatch.energyPerTokenJ / frugal.energyPerTokenJ;
    out.push(`at the same batch (${frugal.batch})${within}, the fastest layout is ${layout(atBatch)}: ${sig(faster, 2)}x faster (TPOT ${sig(atBatch.tpotMs as number, 3)} ms) for ${sig(more, 2)}x the energy per token`);
  } else {
    out.push(`at batch ${frugal.batch}${within}, the most frugal layout is also the fastest`);
  }
  if (s.latencyModel && fastest && fastest !== atBatch && fastest !== frugal) {
    const note = fastest.batch === frugal.batch ? '' : ` (batch ${fastest.batch} against ${frugal.batch}: a lighter load, not a choice of layout)`;
    out.push(`fastest overall: ${describe(fastest)}, TPOT ${sig(fastest.tpotMs as number, 3)} ms, ${sig(fastest.energyPerTokenJ / frugal.energyPerTokenJ, 2)}x the energy per token${note}${fastest.meetsSlo ? '' : ', misses the objective'}`);
  }
  if (frugal.intervalFactor > WIDE_INTERVAL_FACTOR && s.mostInformative) {
    const m = s.mostInformative;
    out.push(`the intervals are wide (the most frugal's is ${factor(frugal)}): measuring ${describe(m)} (the widest interval, ${factor(m)}) would narrow them most`
      + ` (the profiler's adaptive rule, energylens profile --budget)${m === frugal ? '' : `; measuring ${describe(frugal)} itself pins down its own value`}`);
  }
  return out;
}
