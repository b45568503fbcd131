/**
 * The engine's own error class. Callers check `code`, never `instanceof` (an error rebuilt after crossing a
 * worker boundary is still recognised by its code). The energy application's EnergyLensError extends it.
 */
export type SrErrorCode =
  // data and programs
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
  // options and runs
  | 'INVALID_OPTION'
  | 'INVALID_UNIT'
  | 'WORKER_FAILED'
  | 'CHECKPOINT_INVALID'
  // files (checkpoints, saved regressors)
  | 'FILE_NOT_FOUND'
  | 'WRITE_FAILED'
  | 'INVALID_MODEL_FILE';

/** `C` lets a floor above (the application, the distributed layer) widen the codes while keeping one class. */
export class SrError<C extends string = SrErrorCode> extends Error {
  readonly code: C;
  readonly details?: unknown;

  constructor(code: C, message: string, details?: unknown) {
    super(message);
    this.name = 'SrError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toJSON(): { code: C; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * True for an SrError (or a subclass) with the given code; without a code, for any SrError. A plain object
 * `{ name: 'SrError', code }` (an error that crossed a worker boundary unrebuilt) also counts.
 */
export function isSrError(err: unknown, code?: SrErrorCode): err is SrError {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string') return false;
  if (code !== undefined) return c === code;
  return err instanceof SrError || (err as Error).name === 'SrError';
}

/** Rebuild a typed error from its plain `{ code, message }` form (for errors that crossed a worker boundary). */
export function srErrorFromPlain(plain: { code: string; message: string; details?: unknown }): SrError {
  return new SrError(plain.code as SrErrorCode, plain.message, plain.details);
}
