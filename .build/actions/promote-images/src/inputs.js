export function readInputs(inputs) {
  const credentials = inputs.secret('registry-credentials');
  return {
    images: inputs.list('images', { commas: false }),
    destinations: inputs.list('destinations', { commas: false }),
    tags: inputs.list('tags'),
    signatures: inputs.boolean('signatures', true),
    registryCredentials: credentials === undefined ? undefined : inputs.structured('registry-credentials'),
    concurrency: inputs.integer('concurrency', 8, { min: 1, max: 64 }),
    dryRun: inputs.boolean('dry-run'),
    manifest: inputs.optional('manifest'),
  };
}
