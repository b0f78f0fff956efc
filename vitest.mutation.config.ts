import { defineConfig } from 'vitest/config';

/** The vitest config Stryker runs (stryker.config.json): only the test files of the module under mutation. */
export default defineConfig({
  test: {
    include: (process.env.MUTATION_TESTS ?? '').split(',').filter(Boolean),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
