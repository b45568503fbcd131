import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the CLI tests run the built CLI as child processes, awaited (never spawnSync: a synchronous minute trips
    // vitest's 60 s worker RPC timeout); on a loaded 2-core machine a dozen Node starts can take over a minute
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // starts a redis-server for the distributed tests where one is installed, or says why they are skipped
    globalSetup: ['test/global-setup.ts'],
  },
});
