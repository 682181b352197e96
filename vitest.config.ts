import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{edge,gpu-service,schema,shared,test,scripts,bin}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.wrangler/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Suites that start wrangler dev and the gpu-service bind their own ports; running files one
    // at a time keeps them from fighting over the two cores of a small machine.
    fileParallelism: false,
    // One copy of graphql for Pothos and the tests (otherwise: "from another module or realm").
    server: { deps: { inline: ['@pothos/core'] } },
  },
});
