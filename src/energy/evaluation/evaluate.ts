/**
 * The whole evaluation in one call: methods by name, protocols by name, every split built (and every data
 * problem reported) before any method is fitted, then each protocol run in turn.
 */
import { EnergyLensError } from '../../errors.js';
import { createMethods, METHOD_NAMES } from '../baselines/registry.js';
import type { EnergyMethod, TrainRecord } from '../baselines/method.js';
import { DEFAULT_SCENARIO_KEYS } from './metrics.js';
import { DEFAULT_PROTOCOLS, PROTOCOL_NAMES, protocolSplits, type ProtocolName, type SplitOptions } from './protocols.js';
import { evaluateSplits, prepareSplits, type EvaluateOptions, type ProtocolResult } from './run-splits.js';

export interface EvaluationOptions extends SplitOptions, EvaluateOptions {
  /** method names (default: all of METHOD_NAMES), or the methods themselves */
  methods?: readonly string[] | readonly EnergyMethod[];
  /** protocol names (default: DEFAULT_PROTOCOLS) */
  protocols?: readonly string[];
}

export interface Evaluation {
  records: number;
  methods: { name: string; label: string; kind: string; description: string }[];
  scenarioKeys: string[];
  protocols: ProtocolResult[];
  seconds: number;
}

export function checkProtocolNames(names: readonly string[], flag = 'protocols'): ProtocolName[] {
  if (names.length === 0) throw new EnergyLensError('INVALID_OPTION', `${flag} names no protocol (known: ${PROTOCOL_NAMES.join(', ')})`);
  for (const n of names) {
    if (!(PROTOCOL_NAMES as readonly string[]).includes(n)) throw new EnergyLensError('INVALID_OPTION', `${flag}: unknown protocol "${n}" (known: ${PROTOCOL_NAMES.join(', ')})`);
  }
  return [...new Set(names)] as ProtocolName[];
}

/** Scenario keys every one of which some record carries (else an INVALID_DATA naming the key and the file). */
export function checkScenarioKeys(records: readonly TrainRecord[], keys: readonly string[], file = 'the records'): string[] {
  if (keys.length === 0) throw new EnergyLensError('INVALID_OPTION', 'scenario keys: name at least one column');
  for (const k of keys) {
    if (!records.some((r) => (r as unknown as Record<string, unknown>)[k] !== undefined)) {
      throw new EnergyLensError('INVALID_DATA', `scenario key "${k}": no record in ${file} has this column`);
    }
  }
  return [...keys];
}

export async function evaluateMethods(records: readonly TrainRecord[], options: EvaluationOptions = {}): Promise<Evaluation> {
  const started = performance.now();
  if (records.length === 0) throw new EnergyLensError('EMPTY_DATA', `${options.file ?? 'the records'}: no records to evaluate`);
  const protocols = checkProtocolNames(options.protocols ?? DEFAULT_PROTOCOLS);
  const given = options.methods ?? METHOD_NAMES;
  const methods = given.length > 0 && typeof given[0] !== 'string' ? (given as readonly EnergyMethod[]) : await createMethods(given as readonly string[]);
  const scenarioKeys = checkScenarioKeys(records, options.scenarioKeys ?? DEFAULT_SCENARIO_KEYS, options.file);
  const splits = protocols.map((p) => protocolSplits(p, records, options));
  const total = splits.reduce((a, s) => a + s.splits.length, 0) * methods.length;
  let before = 0;
  const results: ProtocolResult[] = [];
  for (const s of splits) {
    const offset = before;
    await prepareSplits(records, methods, s, options);
    results.push(evaluateSplits(records, methods, s, {
      ...options, scenarioKeys,
      onProgress: (done, _t, label) => options.onProgress?.(offset + done, total, label),
    }));
    before += s.splits.length * methods.length;
  }
  return {
    records: records.length,
    methods: methods.map((m) => ({ name: m.name, label: m.label, kind: m.kind, description: m.description })),
    scenarioKeys, protocols: results, seconds: (performance.now() - started) / 1000,
  };
}
