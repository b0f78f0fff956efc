import { defineConfig } from 'vitest/config';

/**
 * Two tiers (CONTRIBUTING.md): `unit` needs nothing but Node and runs anywhere; `itg` (files named *.itg.test.ts)
 * runs the programs listed in .ci/tools. `npm test` runs both; `npm run test:unit` the first only.
 */
export default defineConfig({
  test: {
    reporters: ['default', './shared/scripts/plain-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers (registries, s3rver, azurite) and tools: keep within two cores.
    maxWorkers: 2,
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'actions/**/*.test.ts'],
          exclude: ['**/*.itg.test.ts', '**/node_modules/**'],
          globalSetup: ['./shared/scripts/unit-path.ts'],
          setupFiles: ['./shared/scripts/unit-env.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'itg', include: ['shared/**/*.itg.test.ts', 'actions/**/*.itg.test.ts'] },
      },
    ],
  },
});
