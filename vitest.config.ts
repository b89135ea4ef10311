import { defineConfig } from 'vitest/config';

// Three tiers: unit (pure), component (a real redis-server started by the test), e2e (the local
// stack, which test/run-all.sh starts on its own ports). Files run one at a time.
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'component', include: ['test/component/**/*.test.ts'], testTimeout: 30_000 } },
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
