// The CLI of distributed runs (built CLI): clear errors without any Redis; with ENERGYLENS_TEST_REDIS, `sr --redis`
// on a worker process gives the JSON of a local run, and `discover --redis --group-by hardware` one result per set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../src/energy/simulator/index.js';
import { writeRecordsCsv } from '../../src/energy/records/index.js';
import { discoverEnergyStructure, discoveryJSON } from '../../src/energy/model/discover.js';
import { BUILT, CLI, freePort, REDIS_URL, ROOT, SKIP_REASON, spawnWorker, type WorkerProcess } from './distributed-helpers.js';

const runAsync = (cwd: string, ...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
  const p = spawn(process.execPath, [CLI, ...args], { cwd });
  let stdout = ''; let stderr = '';
  p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  p.on('exit', (status) => resolve({ status, stdout, stderr }));
});
const SR = ['sr', '--data', join(ROOT, 'examples', 'llama8b-h100-sweep.csv'), '--target', 'energy_j', '--features', 'tp,pp,batch', '--loss', 'msle', '--generations', '20', '--islands', '3', '--seed', '3', '--no-progress'];

describe.skipIf(!BUILT)(`distributed CLI errors${BUILT ? '' : ' (skipped: run `npm run build` first)'}`, () => {
  it('names a bad URL and an unreachable Redis, with exit status 1', async () => {
    const port = await freePort();
    const [badUrl, srDown, workerDown, noUrl] = await Promise.all([
      runAsync(ROOT, ...SR, '--redis', 'http://127.0.0.1:6379'),
      runAsync(ROOT, ...SR, '--redis', `redis://:pw@127.0.0.1:${port}`),
      runAsync(ROOT, 'worker', '--redis', `redis://127.0.0.1:${port}`),
      runAsync(ROOT, 'worker'),
    ]);
    expect(badUrl.status).toBe(2); // a usage error
    expect(badUrl.stderr).toMatch(/error \[INVALID_OPTION\]: Redis URL "http:\/\/127.0.0.1:6379": scheme "http" is not redis or rediss/);
    for (const r of [srDown, workerDown]) {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`error \\[REDIS_UNAVAILABLE\\]: cannot reach Redis at redis://(:\\*\\*\\*@)?127.0.0.1:${port}: connection refused`));
      expect(r.stderr).not.toMatch(/:pw@/);
    }
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toMatch(/\[INVALID_OPTION\]: worker needs --redis URL/);
  });

  it('documents the flags and their defaults', async () => {
    const [w, sr, discover] = await Promise.all([runAsync(ROOT, 'worker', '--help'), runAsync(ROOT, 'sr', '--help'), runAsync(ROOT, 'discover', '--help')]);
    const help = w.stdout;
    expect(help).toMatch(/--concurrency <n>[\s\S]*default: 1\)/);
    expect(help).toMatch(/--queue <name>[\s\S]*default:\s+"energylens"/);
    expect(help).toMatch(/--stalled-interval <ms>[\s\S]*default: 30000/);
    expect(sr.stdout).toMatch(/--redis <url>/);
    expect(discover.stdout).toMatch(/--group-by <field>[\s\S]*choices:\s+"hardware"/);
  });
});

const records = simulate({
  models: ['Llama-3.1-8B-Instruct'], hardware: ['H100', 'B200'], tp: [1, 2], pp: [1, 2], batch: [1, 8, 32], input: [512], output: [128], noise: 0, seed: 3,
}).records;

describe.skipIf(!REDIS_URL || !BUILT)(`distributed CLI runs${!REDIS_URL || !BUILT ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  let dir: string;
  let worker: WorkerProcess;
  const queue = `test-${process.pid}-cli`;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'energylens-distributed-'));
    await writeRecordsCsv(join(dir, 'sim.csv'), records);
    worker = spawnWorker(REDIS_URL!, queue, ['--concurrency', '2']);
    await worker.ready;
  });
  afterAll(async () => {
    await worker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sr --redis writes the JSON of a local run with the same seed', async () => {
    const remote = await runAsync(dir, ...SR, '--redis', REDIS_URL!, '--queue', queue, '--json', 'remote.json');
    expect(remote.status, remote.stderr).toBe(0);
    const here = await runAsync(dir, ...SR, '--workers', '1', '--json', 'local.json');
    expect(here.status, here.stderr).toBe(0);
    const read = (f: string) => { const j = JSON.parse(readFileSync(join(dir, f), 'utf8')); delete j.seconds; return j; };
    expect(read('remote.json')).toEqual(read('local.json'));
    expect(remote.stdout).toMatch(/stopped by generations after \d+ evaluations, 20 generations/);
  });

  it('discover --redis --group-by hardware gathers one discovery per hardware set, each that of a local run', async () => {
    const r = await runAsync(dir, 'discover', '--data', 'sim.csv', '--targets', 'tpot', '--evals', '200', '--seed', '2', '--group-by', 'hardware', '--redis', REDIS_URL!, '--queue', queue, '--json', 'groups.json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(join(dir, 'groups.json'), 'utf8'));
    expect(j.groupBy).toBe('hardware');
    expect(j.groups.map((g: { group: string; records: number }) => `${g.group} ${g.records}`)).toEqual(['H100-SXM5-80GB 12', 'B200-SXM-180GB 12']);
    expect(j.groups[0].targets[0].target).toBe('tpot');
    const { group, records: count, ...h100 } = j.groups[0];
    void group; void count;
    const here = discoveryJSON(await discoverEnergyStructure(records.filter((x) => x.hardware === 'H100-SXM5-80GB'), { targets: ['tpot'], maxEvaluations: 200, seed: 2, workers: 0, file: 'sim.csv' }));
    const noSeconds = (d: unknown): string => JSON.stringify(d, (k, v: unknown) => (k === 'seconds' ? undefined : v));
    expect(noSeconds(h100)).toBe(noSeconds(here));
    expect(r.stdout).toMatch(/### hardware H100-SXM5-80GB \(12 records\)[\s\S]*== tpot[\s\S]*### hardware B200-SXM-180GB/);
  });
});
