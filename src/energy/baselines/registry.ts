/** Every method by name: the closed form first, then the baselines; `discovered` only when named. */
import { EnergyLensError } from '../../errors.js';
import { closedFormMethod } from './closed-form.js';
import { discoveredMethod } from './discovered.js';
import { createGradientBoostingMethod } from './gradient-boosting.js';
import { hierarchicalMethod } from './hierarchical.js';
import { latencyProxyMethod } from './latency-proxy.js';
import type { EnergyMethod } from './method.js';
import { randomForestMethod } from './random-forest.js';
import { rooflineMethod } from './roofline.js';
import { wilkinsMethod } from './wilkins.js';

/** The methods run by default. */
export const METHOD_NAMES = ['closed-form', 'hierarchical', 'latency-proxy', 'wilkins', 'roofline', 'random-forest', 'xgboost'] as const;
/** Methods run only when named: `discovered` (fit's default, with a residual discovery per training set) costs seconds per fit. */
export const OPT_IN_METHOD_NAMES = ['discovered'] as const;
/** Every name `--methods` accepts. */
export const KNOWN_METHOD_NAMES = [...METHOD_NAMES, ...OPT_IN_METHOD_NAMES] as const;
export type MethodName = (typeof KNOWN_METHOD_NAMES)[number];

/** Every method but XGBoost, whose WebAssembly module createGradientBoostingMethod loads. */
const READY: Readonly<Record<Exclude<MethodName, 'xgboost'>, EnergyMethod>> = {
  'closed-form': closedFormMethod, hierarchical: hierarchicalMethod, 'latency-proxy': latencyProxyMethod, wilkins: wilkinsMethod, roofline: rooflineMethod, 'random-forest': randomForestMethod, discovered: discoveredMethod,
};

/** The names, checked (none, or an unknown one, is an INVALID_OPTION naming the known ones), without repeats. */
export function checkMethodNames(names: readonly string[], flag = 'methods'): MethodName[] {
  if (names.length === 0) throw new EnergyLensError('INVALID_OPTION', `${flag} names no method (known: ${KNOWN_METHOD_NAMES.join(', ')})`);
  for (const name of names) {
    if (!(KNOWN_METHOD_NAMES as readonly string[]).includes(name)) {
      throw new EnergyLensError('INVALID_OPTION', `${flag}: unknown method "${name}" (known: ${KNOWN_METHOD_NAMES.join(', ')})`);
    }
  }
  return [...new Set(names)] as MethodName[];
}

/** The methods with these names, in the order given (default: all); names are checked by checkMethodNames. */
export async function createMethods(names: readonly string[] = METHOD_NAMES, flag = 'methods'): Promise<EnergyMethod[]> {
  const out: EnergyMethod[] = [];
  for (const name of checkMethodNames(names, flag)) {
    out.push(name === 'xgboost' ? await createGradientBoostingMethod() : READY[name]);
  }
  return out;
}
