import { defineConfig } from 'vitest/config';

// Four groups by what a test needs, each runnable alone (`npm run test:<name>`); `npm test` runs them all.
//   unit         plain functions in-process: no server, no child process, no dist/
//   integration  real HTTP servers on 127.0.0.1 and real processes, driving src/
//   dist         the bundles in dist/ run the way the runner runs them
//   e2e          dist/ and the CLI against a real llama-server built from source
const DIST_FRESH = 'test/support/dist-fresh.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests spawn real processes and servers; two workers match the two cores CI has.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'dist', include: ['test/dist/**/*.test.ts'], globalSetup: [DIST_FRESH] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The freshness check first: it fails in milliseconds, before a llama-server build of minutes.
          globalSetup: [DIST_FRESH, 'test/support/global-setup.ts'],
        },
      },
    ],
  },
});
