import { defineConfig } from 'vitest/config';

// Three tiers: unit (pure), component (a real redis-server started by the test), e2e (the local
// stack, which test/run-all.sh starts on its own ports). Files run one at a time.
// graphql has no "exports": Node (and so @graphql-tools, Apollo Server and graphql-ws, which vitest
// leaves to Node) loads its CommonJS build, while vite would give test and src files its .mjs one.
// Two copies refuse each other's schema ("from another module or realm"): tests that build or
// run a schema load the one Node loads.
const nodesGraphql = { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] };

export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      { resolve: nodesGraphql, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        resolve: nodesGraphql,
        test: { name: 'component', include: ['test/component/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      // Run after e2e (test/run-all.sh): archives, truncates and holds changes in the shared stack.
      {
        test: {
          name: 'e2e-cleanup',
          include: ['test/e2e-cleanup/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
      // The scaled shape (issue 8, in progress): its own stack, with partitioned topics.
      {
        test: {
          name: 'e2e-scale',
          include: ['test/e2e-scale/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
