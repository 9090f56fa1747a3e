import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds (or reuses the cached) real llama-server and writes the tiny model once per run.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests spawn real processes and servers; two workers match the two cores CI has.
    maxWorkers: 2,
  },
});
