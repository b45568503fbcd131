// Redis over TLS (rediss://) with a private certificate authority and a password, end to end: worker processes
// and the head connect with --redis-ca, and the search gives the same result as a local run. Needs the build,
// `redis-server` (Debian's is built with TLS), `openssl`, and ENERGYLENS_TEST_REDIS set, as in CI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQRunner } from '../../src/distributed/index.js';
import { createRng, equationSearch, toInfix, type Dataset, type SearchResult } from '../../src/sr/index.js';
import { BUILT, freeServerPort, HAS_REDIS_SERVER, OwnRedis, REDIS_URL, SKIP_REASON, spawnWorker, type WorkerProcess } from './distributed-helpers.js';

const HAS_OPENSSL = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
const skip = !REDIS_URL || !BUILT || !HAS_REDIS_SERVER || !HAS_OPENSSL;
const reason = !HAS_REDIS_SERVER ? 'redis-server is not installed' : !HAS_OPENSSL ? 'openssl is not installed' : SKIP_REASON;

const rng = createRng(21);
const n = 40;
const data: Dataset = { X: new Float64Array(n), y: new Float64Array(n), nFeatures: 1, nRows: n };
for (let r = 0; r < n; r++) { data.X[r] = 0.5 + 2 * rng.next(); data.y[r] = data.X[r] * data.X[r] + 1 / data.X[r]; }
const options = { populations: 3, populationSize: 20, generationsPerCycle: 6, maxGenerations: 24, maxTime: null, seed: 4 };
const summary = (r: SearchResult) => ({ evaluations: r.evaluations, front: r.front.map((m) => `${m.complexity} ${m.loss} ${toInfix(m.tree)}`) });

describe.skipIf(skip)(`Redis over TLS${skip ? ` (skipped: ${reason})` : ''}`, () => {
  let dir: string;
  let redis: OwnRedis;
  let ca: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'energylens-tls-'));
    ca = join(dir, 'cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', ca, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    const port = await freeServerPort();
    // the plain port is switched off: only TLS clients with the password get in
    redis = new OwnRedis(port, ['--port', '0', '--tls-port', String(port), '--tls-cert-file', ca, '--tls-key-file', join(dir, 'key.pem'),
      '--tls-ca-cert-file', ca, '--tls-auth-clients', 'no', '--requirepass', 'tls-secret']);
    await redis.start();
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a search through rediss:// with a private CA: the same result as a local run', async () => {
    const url = `rediss://:tls-secret@127.0.0.1:${redis.port}`;
    const procs: WorkerProcess[] = [spawnWorker(url, 'tls', ['--redis-ca', ca]), spawnWorker(url, 'tls', ['--redis-ca', ca])];
    const runner = new BullMQRunner({ redis: url, queue: 'tls', caFile: ca });
    try {
      await Promise.all(procs.map((p) => p.ready));
      const res = await equationSearch(data, options, { runner });
      expect(summary(res)).toEqual(summary(await equationSearch(data, options)));
    } finally {
      await runner.close();
      await Promise.all(procs.map((p) => p.stop()));
    }
  });

  it('without the CA the server certificate is refused, and a plain redis:// client is refused: clear REDIS_UNAVAILABLE', async () => {
    const noCa = new BullMQRunner({ redis: `rediss://:tls-secret@127.0.0.1:${redis.port}`, connectTimeoutSeconds: 2 });
    try {
      await expect(noCa.connect()).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    } finally {
      await noCa.close();
    }
    const plain = new BullMQRunner({ redis: `redis://:tls-secret@127.0.0.1:${redis.port}`, connectTimeoutSeconds: 2 });
    try {
      await expect(plain.connect()).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    } finally {
      await plain.close();
    }
  });
});
