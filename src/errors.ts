/**
 * The application's error class, EnergyLensError, extends the engine's SrError: one family, one stable `code`
 * per condition. Callers check `code`, never `instanceof` (an error rebuilt after crossing a worker boundary is
 * still recognised by its code). The CLI prints every one of them as `energylens: error [CODE]: message`.
 */
import { SrError, type SrErrorCode } from './sr/errors.js';
import type { DistributedErrorCode } from './distributed/errors.js';

export type EnergyErrorCode =
  // command line (usage errors, exit status 2, with INVALID_OPTION)
  | 'UNKNOWN_OPTION'
  | 'MISSING_OPTION'
  | 'MISSING_ARGUMENT'
  | 'EXCESS_ARGUMENTS'
  | 'UNKNOWN_COMMAND'
  | 'CONFLICTING_OPTIONS'
  // files and records
  | 'INVALID_CSV'
  | 'INVALID_RECORD'
  | 'UNKNOWN_MODEL'
  | 'UNKNOWN_HARDWARE'
  | 'INVALID_CATALOG'
  | 'INVALID_STRUCTURE'
  | 'INFEASIBLE'
  // a search that found no expression with a finite loss
  | 'NO_EXPRESSION'
  // profiling campaigns on real GPUs
  | 'INVALID_PLAN'
  | 'GPU_UNAVAILABLE'
  | 'SERVER_FAILED'
  | 'REQUEST_FAILED';

/** Every code a user may see: the engine's, the application's and the distributed layer's. */
export type ErrorCode = SrErrorCode | EnergyErrorCode | DistributedErrorCode;

const FAMILY = new Set(['SrError', 'EnergyLensError', 'DistributedError']);

export class EnergyLensError extends SrError<ErrorCode> {
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(code, message, details);
    this.name = 'EnergyLensError';
  }
}

/**
 * True for an error of the family (engine, application or distributed layer) with the given code; without a
 * code, for any of them.
 */
export function isEnergyLensError(err: unknown, code?: ErrorCode): err is EnergyLensError {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string') return false;
  return code === undefined ? err instanceof SrError || FAMILY.has((err as Error).name) : c === code;
}

/** Rebuild a typed error from its plain `{ code, message }` form (for errors that crossed a worker boundary). */
export function errorFromPlain(plain: { code: string; message: string; details?: unknown }): EnergyLensError {
  return new EnergyLensError(plain.code as ErrorCode, plain.message, plain.details);
}
