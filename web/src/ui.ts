import type { StructureSelection } from '../../src/energy/model/model-file.js';

/** What both pages share: element lookup, the CLI's error line, and the state a test (or a curious person) reads. */
export const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`energylens: the page has no ${selector}`);
  return el;
};

/** An error as the CLI prints it: `energylens: error [CODE]: message` (a plain Error gets WEB_FAILED). */
export function errorLine(err: unknown, _file?: string): string {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  return `energylens: error [${typeof code === 'string' ? code : 'WEB_FAILED'}]: ${message}`;
}

interface FrontRow { complexity: number; loss: number; r2: number | null; expression: string; dimensionallyConsistent?: boolean }

/** The pages' observable state (window.energylens): what is on screen, in numbers. */
export interface WorkbenchState {
  ready: boolean;
  sr: {
    running: boolean; target: string; featureNames: string[]; startedAt: number; firstExpressionMs: number | null; cycles: number;
    /** ms from Start to each island task's answer (diagnostics: how the workers keep up) */
    islandResultsMs: number[];
    /** the island workers were started (they load while the page is looked at) */
    workersStarted: boolean;
    liveFront: Omit<FrontRow, 'r2'>[]; front: FrontRow[]; selected: { complexity: number; expression: string; loss: number } | null;
    stoppedBy: string | null; evaluations: number; exported: string | null; error: string | null;
  };
  energy: {
    file: string | null; validation: { ok: boolean; rows: number; problems: string[] } | null;
    parameters: { name: string; value: number; unit: string; low: number; high: number; held: boolean }[];
    ranking: { tp: number; pp: number; ep: number; batch: number; energyPerTokenJ: number; tpotMs: number | null; rank: number }[];
    mostFrugal: string | null; fastest: string | null; error: string | null;
    /** a fit is running in the worker; the progress lines it sent; it was stopped; fit's warnings */
    busy: boolean; progress: string[]; stopped: boolean; warnings: string[];
    /** fits ended (fitted, failed or stopped): a test waits for it to grow */
    fitsEnded: number;
    /** the model on screen: where it came from, its structure, how that was chosen, the discovered terms shown */
    source: string | null; structure: string | null; selection: StructureSelection | null;
    discovered: string | null; discoveryNote: string | null; discoveredTerms: { parameter: string | null; fitted: number; effect: string }[];
    /** structure files loaded (candidates); model files loaded (each can be a base) */
    structureFiles: string[]; modelFiles: string[];
    /** with a base model: the records' series and their record counts; the model on screen's series; the series effect at the most frugal configuration */
    calibrated: { series: string; records: number; recordsInBase: number }[] | null; seriesCount: number;
    seriesEffect: { series: string; records: number; factor: number } | null;
  };
}

declare global {
  interface Window { energylens: WorkbenchState }
}

export function workbench(): WorkbenchState {
  window.energylens ??= {
    ready: false,
    sr: { running: false, target: '', featureNames: [], startedAt: 0, firstExpressionMs: null, cycles: 0, islandResultsMs: [], workersStarted: false, liveFront: [], front: [], selected: null, stoppedBy: null, evaluations: 0, exported: null, error: null },
    energy: {
      file: null, validation: null, parameters: [], ranking: [], mostFrugal: null, fastest: null, error: null, busy: false, progress: [], stopped: false, fitsEnded: 0,
      warnings: [], source: null, structure: null, selection: null, discovered: null, discoveryNote: null, discoveredTerms: [], structureFiles: [],
      modelFiles: [], calibrated: null, seriesCount: 0, seriesEffect: null,
    },
  };
  return window.energylens;
}
