/**
 * The energy page's structure panel: the structure `fit` chose and why, every candidate with its cross-validated
 * scores (as `energylens fit` prints them), the discovered terms beside the physics form in plain words (the HTML
 * report's own section, report/html.ts), or what discovery proposed when physics was kept.
 */
import { correctionTexts } from '../../src/energy/model/discovery/index.js';
import type { EnergyModel, Structure } from '../../src/energy/model/index.js';
import type { ProfilingRecord } from '../../src/energy/records/index.js';
import { discoveredTermsHtml } from '../../src/energy/report/html.js';
import { esc } from './plot.js';

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)} %`);

export function structurePanelHtml(): string {
  return `
    <h2>Structure <span id="en-structure" class="note"></span></h2>
    <p id="en-reason" class="status"></p>
    <table id="en-candidates" hidden><thead><tr><th>candidate</th><th>source</th><th>free</th><th>CV RMS log error</th><th>CV MAPE</th><th></th></tr></thead><tbody></tbody></table>
    <div id="en-discovered"></div>`;
}

/**
 * The panel's contents for a model (fitted here or loaded), and the structure discovery proposed if any; with the
 * records it was fitted on, what each discovered term does over them.
 */
export function structurePanel(model: EnergyModel, discovered: Structure | null, discoveryNote: string | null, records?: readonly ProfilingRecord[]): { structure: string; reason: string; candidates: string; discovered: string } {
  const s = model.selection;
  const candidates = s && (s.candidates.length > 1 || s.candidates.some((c) => c.cvRmsLog !== null))
    ? s.candidates.map((c) => `<tr class="${c.name === s.chosen ? 'chosen' : ''}"><td>${esc(c.name)}</td><td>${esc(c.source)}</td><td>${c.freeParameters}</td>`
      + `<td>${c.cvRmsLog === null ? '-' : c.cvRmsLog.toFixed(4)}</td><td>${pct(c.cvMape)}</td><td>${c.name === s.chosen ? 'chosen' : esc(c.error ?? '')}</td></tr>`).join('')
    : '';
  const terms = discoveredTermsHtml(model, records, 'fitted on this page');
  const g = discovered ? correctionTexts(discovered) : {};
  const proposed = terms === '' && (g.energy || g.prefill)
    ? `<p class="note">Discovery proposed physics x exp(g)${g.energy ? `, g = ${esc(g.energy)}` : ''}${g.prefill ? `, g_prefill = ${esc(g.prefill)}` : ''}; not chosen (above).</p>`
    : '';
  const note = discoveryNote ? `<p class="note">Discovery: ${esc(discoveryNote)}.</p>` : '';
  return {
    structure: `${model.structure.name}${s ? ` (${s.mode === 'forced' ? 'forced' : s.folds > 0 ? `chosen by ${s.folds}-fold cross-validation` : 'the only candidate'})` : ''}`,
    reason: s?.reason ?? 'the model file records no structure choice (a calibration or an older file)',
    candidates,
    discovered: terms + proposed + note,
  };
}
