import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The tests start servers on 127.0.0.1 and spawn the CLI; a few workers keep that fast without starving a 2-core machine.
    maxWorkers: 2,
  },
});
