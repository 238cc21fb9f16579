import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// One run of every test: unit, integration and browser. Servers start on
// 127.0.0.1 port 0 inside the tests themselves.
export default defineConfig({
  // The tests import @webterm/local-cluster from its TypeScript sources (its
  // exports' `source` condition), so they never run a stale build of it.
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/secret-scan-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    reporters: ['default'],
  },
});
