import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The binary tests run dist/cli/main.js: rebuild it first when the source is newer.
    globalSetup: ['test/cli/build-dist.ts'],
    // every test file: Immer's auto-freeze on, so a mutation of a world throws
    setupFiles: ['test/setup-immer.ts'],
    // A hung test still fails, but a slow machine (CI shares its cores; developers run the suite
    // beside a search) must not turn a passing test red: the suite's own time is a budget kept by
    // choosing small bounds, not by per-test clocks.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // vitest's default is one file at a time on a 2-core machine (cores - 1), but most files here
    // wait on a child process (the CLI, tsc, npm, QEMU) for much of their time: two at once keep
    // both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
