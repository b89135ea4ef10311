import { defineConfig } from 'vitest/config';

// Two tiers run separately: unit tests are pure and fast; e2e tests need the local stack
// (test/run-all.sh starts one on its own ports) and run one file at a time.
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
