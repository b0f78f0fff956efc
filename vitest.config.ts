import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'actions/**/*.test.ts'],
    reporters: ['default', './shared/scripts/plain-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers (registries, s3rver, azurite) and tools: keep within two cores.
    maxWorkers: 2,
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
