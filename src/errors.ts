/**
 * One error class for the whole project. Callers check `code`, never `instanceof`
 * (an error rebuilt after crossing a worker boundary is still recognised by its code).
 */
export type ErrorCode =
  // engine: data and programs
  | 'INVALID_DATA'
  | 'LENGTH_MISMATCH'
  | 'EMPTY_DATA'
  | 'NON_FINITE_DATA'
  | 'UNKNOWN_OPERATOR'
  | 'PROGRAM_TOO_LARGE'
  | 'INVALID_PROGRAM'
  | 'PARSE_ERROR'
  | 'WASM_LOAD_FAILED'
  | 'WASM_FAILED'
  // engine: options and runs
  | 'INVALID_OPTION'
  | 'WORKER_FAILED'
  | 'CHECKPOINT_INVALID'
  // files and records
  | 'FILE_NOT_FOUND'
  | 'WRITE_FAILED'
  | 'INVALID_CSV'
  | 'INVALID_RECORD'
  | 'UNKNOWN_MODEL'
  | 'UNKNOWN_HARDWARE'
  | 'INVALID_CATALOG'
  | 'INVALID_MODEL_FILE'
  | 'INVALID_STRUCTURE'
  | 'INFEASIBLE'
  | 'REDIS_UNAVAILABLE'
  | 'INVALID_JOB'
  // profiling campaigns on real GPUs
  | 'INVALID_PLAN'
  | 'GPU_UNAVAILABLE'
  | 'SERVER_FAILED'
  | 'REQUEST_FAILED';

export class EnergyLensError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'EnergyLensError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isEnergyLensError(err: unknown, code?: ErrorCode): err is EnergyLensError {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string') return false;
  return code === undefined ? (err as Error).name === 'EnergyLensError' : c === code;
}

/** Rebuild a typed error from its plain `{ code, message }` form (for errors that crossed a worker boundary). */
export function errorFromPlain(plain: { code: string; message: string; details?: unknown }): EnergyLensError {
  return new EnergyLensError(plain.code as ErrorCode, plain.message, plain.details);
}
