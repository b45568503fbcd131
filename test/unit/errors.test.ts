import { describe, expect, it } from 'vitest';
import { SrError, isSrError, srErrorFromPlain } from '../../src/sr/errors.js';
import { EnergyLensError, errorFromPlain, isEnergyLensError } from '../../src/errors.js';
import { DistributedError } from '../../src/distributed/errors.js';
import { parseExpression } from '../../src/sr/index.js';

describe('one error family with stable codes', () => {
  it('the engine throws its own SrError, which the application recognises by code and as one of the family', () => {
    let caught: unknown;
    try { parseExpression('x0 +', ['x0']); } catch (err) { caught = err; }
    expect(caught).toMatchObject({ name: 'SrError', code: 'PARSE_ERROR' });
    expect(isSrError(caught, 'PARSE_ERROR')).toBe(true);
    expect(isEnergyLensError(caught)).toBe(true);
    expect(isEnergyLensError(caught, 'PARSE_ERROR')).toBe(true);
    expect(isEnergyLensError(caught, 'INVALID_RECORD')).toBe(false);
  });

  it('EnergyLensError and DistributedError extend SrError and keep the one-line JSON form', () => {
    const app = new EnergyLensError('INVALID_RECORD', 'records.csv, row 3, column "batch": is empty');
    const dist = new DistributedError('REDIS_UNAVAILABLE', 'no Redis at localhost:6379');
    expect(app).toBeInstanceOf(SrError);
    expect(dist).toBeInstanceOf(EnergyLensError);
    expect([app.name, dist.name]).toEqual(['EnergyLensError', 'DistributedError']);
    expect(isSrError(app)).toBe(true);
    expect(isEnergyLensError(dist)).toBe(true);
    expect(JSON.parse(JSON.stringify(dist))).toEqual({ code: 'REDIS_UNAVAILABLE', message: 'no Redis at localhost:6379' });
  });

  it('an error that crossed a worker boundary as { code, message } is rebuilt and still checked by code', () => {
    const plain = JSON.parse(JSON.stringify(new SrError('CHECKPOINT_INVALID', 'other data'))) as { code: string; message: string };
    expect(isSrError(plain, 'CHECKPOINT_INVALID')).toBe(true);
    expect(isEnergyLensError(plain)).toBe(false); // a plain object is not an error of the family until rebuilt
    expect(srErrorFromPlain(plain)).toMatchObject({ name: 'SrError', code: 'CHECKPOINT_INVALID', message: 'other data' });
    expect(isEnergyLensError(errorFromPlain(plain), 'CHECKPOINT_INVALID')).toBe(true);
    expect(isSrError(new Error('plain'))).toBe(false);
  });
});
