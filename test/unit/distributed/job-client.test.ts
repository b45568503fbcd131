// The head's Redis commands outlive a Redis restart: an idempotent command that fails because the connection went
// away is sent again until Redis answers; an answer that is an error, or any failure after close(), is not.
import { describe, expect, it } from 'vitest';
import { isConnectionError, JobClient } from '../../../src/distributed/index.js';

describe('JobClient.untilAnswered', () => {
  it('sends again after connection errors, and only after those', async () => {
    const client = new JobClient({ redis: 'redis://127.0.0.1:1' });
    let calls = 0;
    const flaky = async (): Promise<string> => {
      calls++;
      if (calls === 1) throw new Error('Command aborted due to connection close');
      if (calls === 2) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
      return 'OK';
    };
    await expect(client.untilAnswered(flaky)).resolves.toBe('OK');
    expect(calls).toBe(3);
    await expect(client.untilAnswered(async () => { throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value'); })).rejects.toThrow(/WRONGTYPE/);
    await client.close();
    await expect(client.untilAnswered(async () => { throw new Error('Connection is closed.'); })).rejects.toThrow(/Connection is closed/);
  });

  it('tells connection errors from answers', () => {
    expect(isConnectionError(new Error('Command aborted due to connection close'))).toBe(true);
    expect(isConnectionError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionError(new Error('ERR unknown command'))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});
