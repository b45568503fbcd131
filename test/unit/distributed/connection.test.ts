// Connection URLs, TLS options, the authentication warning and the fast error when Redis cannot be reached
// (needs no Redis: it connects to a loopback port nobody listens on).
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { authWarning, checkRedis, isLoopback, maskUrl, parseRedisUrl, redisOptions } from '../../../src/distributed/connection.js';

describe('parseRedisUrl', () => {
  it('reads host, port, database, user and password; rediss:// is TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6390', {})).toMatchObject({ host: '127.0.0.1', port: 6390, db: 0, tls: false });
    const t = parseRedisUrl('rediss://worker:s%40cret@redis.example.org/3', {});
    expect(t).toMatchObject({ host: 'redis.example.org', port: 6379, db: 3, username: 'worker', password: 's@cret', tls: true });
    expect(t.display).toBe('rediss://worker:***@redis.example.org/3');
    expect(parseRedisUrl('redis://[::1]:7000', {})).toMatchObject({ host: '::1', port: 7000 });
  });

  it('takes the password from ENERGYLENS_REDIS_PASSWORD when the URL has none', () => {
    expect(parseRedisUrl('redis://10.0.0.5', { ENERGYLENS_REDIS_PASSWORD: 'pw' }).password).toBe('pw');
    expect(parseRedisUrl('redis://:inurl@10.0.0.5', { ENERGYLENS_REDIS_PASSWORD: 'pw' }).password).toBe('inurl');
  });

  it.each([
    ['localhost:6379', /scheme "localhost" is not redis or rediss/],
    ['http://h:1', /scheme "http"/],
    ['not a url', /not a URL/],
    ['redis://h:99999', /not a URL|port/],
    ['redis://h/abc', /database "abc"/],
    ['redis://h/0?tls=1', /query strings/],
  ])('refuses %s, naming the problem', (url, why) => {
    expect(() => parseRedisUrl(url, {})).toThrow(why);
    try { parseRedisUrl(url, {}); } catch (err) { expect((err as { code: string }).code).toBe('INVALID_OPTION'); }
  });

  it('never shows a password in messages', () => {
    expect(maskUrl('redis://u:topsecret@h:1/0')).toBe('redis://u:***@h:1/0');
    expect(() => parseRedisUrl('redis://u:topsecret@h/x', {})).toThrow(/^(?!.*topsecret)/);
  });
});

describe('authWarning', () => {
  it('warns for a non-loopback Redis without a password, not for loopback or with one', () => {
    expect(authWarning(parseRedisUrl('redis://10.1.2.3', {}))).toMatch(/without authentication/);
    expect(authWarning(parseRedisUrl('redis://redis.internal:6379', {}))).toMatch(/redis.internal:6379/);
    expect(authWarning(parseRedisUrl('redis://127.0.0.1', {}))).toBeUndefined();
    expect(authWarning(parseRedisUrl('redis://localhost', {}))).toBeUndefined();
    expect(authWarning(parseRedisUrl('redis://:pw@10.1.2.3', {}))).toBeUndefined();
    expect(isLoopback('127.4.5.6')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
  });
});

describe('redisOptions', () => {
  it('reconnects forever, waits instead of failing commands (BullMQ needs that), and sets TLS for rediss://', () => {
    const o = redisOptions(parseRedisUrl('rediss://:pw@redis.example.org:6380', {}));
    expect(o.maxRetriesPerRequest).toBeNull();
    expect(o.tls).toMatchObject({ servername: 'redis.example.org' });
    expect(o.password).toBe('pw');
    expect((o.retryStrategy as (n: number) => number)(100)).toBe(2000);
    expect(redisOptions(parseRedisUrl('redis://h', {})).tls).toBeUndefined();
  });

  it('refuses a CA file without TLS, and a CA file that does not exist', () => {
    expect(() => redisOptions(parseRedisUrl('redis://h', {}), { caFile: '/nope.pem' })).toThrow(/not rediss/);
    expect(() => redisOptions(parseRedisUrl('rediss://h', {}), { caFile: '/nope/ca.pem' })).toThrow(/CA file \/nope\/ca.pem/);
  });
});

describe('checkRedis', () => {
  it('fails at once with REDIS_UNAVAILABLE when nothing listens', async () => {
    // a port that was free a moment ago
    const port = await new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
    const t0 = Date.now();
    await expect(checkRedis(parseRedisUrl(`redis://127.0.0.1:${port}`, {}))).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', message: expect.stringMatching(new RegExp(`127.0.0.1:${port}.*connection refused`)) });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('gives up after its timeout when the server never answers', async () => {
    const server = createServer(() => { /* accepts, says nothing */ }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(checkRedis(parseRedisUrl(`redis://127.0.0.1:${port}`, {}), { connectTimeoutSeconds: 0.3 })).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    } finally {
      server.close();
    }
  });
});
