/**
 * The distributed layer's errors: an EnergyLensError (so the CLI prints them in the same one-line `[CODE] message`
 * form and `isEnergyLensError` recognises them) named DistributedError, with the two codes only this layer raises
 * besides the engine's and the application's.
 */
import { EnergyLensError, type ErrorCode } from '../errors.js';

export type DistributedErrorCode = 'REDIS_UNAVAILABLE' | 'INVALID_JOB';

export class DistributedError extends EnergyLensError {
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(code, message, details);
    this.name = 'DistributedError';
  }
}
