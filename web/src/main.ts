/** The workbench: two pages (#sr, #energy) over the package's own engine and energy model, in the browser. */
import 'katex/dist/katex.min.css';
import './style.css';
import { dropEnergyFile, energyPageHtml, mountEnergyPage } from './energy-page.js';
import { loadKernel } from './kernel.js';
import { kernelRate } from './kernel-rate.js';
import { dropSrFile, mountSrPage, srPageHtml } from './sr-page.js';
import { $, errorLine, workbench } from './ui.js';

// the search loop yields to the event loop with setImmediate between cycles (Node); a macrotask does it here
(globalThis as { setImmediate?: (f: () => void) => void }).setImmediate ??= (f: () => void) => { setTimeout(f, 0); };

function route(): void {
  const page = location.hash === '#energy' ? 'energy' : 'sr';
  $('#sr-page').hidden = page !== 'sr';
  $('#energy-page').hidden = page !== 'energy';
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.hash === `#${page}`);
}

$('#app').innerHTML = srPageHtml() + energyPageHtml();
mountSrPage();
mountEnergyPage();
window.addEventListener('hashchange', route);
// a CSV dropped anywhere goes to the page on screen; nothing is uploaded, the file is read here
window.addEventListener('dragover', (e) => { e.preventDefault(); });
window.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = e.dataTransfer?.files[0];
  if (!file) return;
  void file.text().then((text) => (location.hash === '#energy' ? dropEnergyFile : dropSrFile)(file.name, text));
});
route();
// the benchmark's hook (bench/web.bench.mjs): the kernel's speed in this browser
(window as unknown as { energylensBench: unknown }).energylensBench = { kernelRate };

loadKernel().then(() => { workbench().ready = true; }, (err: unknown) => {
  $('#kernel-error').textContent = errorLine(err);
  $('#kernel-error').hidden = false;
});
