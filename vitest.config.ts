import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The binary tests run dist/cli/main.js: rebuild it first when the source is newer.
    globalSetup: ['test/cli/build-dist.ts'],
    // every test file: Immer's auto-freeze on, so a mutation of a world throws
    setupFiles: ['test/setup-immer.ts'],
    testTimeout: 30_000,
  },
});
