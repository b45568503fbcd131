import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // starts a redis-server for the distributed tests where one is installed, or says why they are skipped
    globalSetup: ['test/global-setup.ts'],
  },
});
