import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build (its package has no "exports"); Vite would pick the .mjs build for our
    // sources, and two copies of graphql refuse each other's schemas. One copy, as in production.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Safety nets, not expectations: a loaded 2-vCPU machine runs a test several times slower than a quiet one, and a
    // test that waits for something that never comes still fails, just later.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The tests start servers on 127.0.0.1 and spawn the CLI; a few workers keep that fast without starving a 2-core machine.
    maxWorkers: 2,
    // One module graph per worker instead of one per test file: loading the server, GraphQL and the AWS SDK again for
    // every file cost more CPU than most files' tests (test/graphql and test/controls: 36.5 s of CPU isolated, 11.8 s
    // shared). Tests leave no global state behind; what one could (environment stubs, spies) is restored before each.
    isolate: false,
    unstubEnvs: true,
    restoreMocks: true,
    // The SDK warns on Node 20 that its 2027 releases need Node 22; the lockfile pins a release that supports 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
