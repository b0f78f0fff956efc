import type { InputReader } from '../../../shared/src/core/inputs.ts';
import { structuredInput } from '../../../shared/src/core/structured-input.ts';

export interface PromoteImagesInputs {
  images: string[];
  destinations: string[];
  tags: string[];
  signatures: boolean;
  registryCredentials: unknown;
  concurrency: number;
  dryRun: boolean;
  manifest: string | undefined;
}

export function readInputs(inputs: InputReader): PromoteImagesInputs {
  const credentials = inputs.secret('registry-credentials');
  return {
    images: inputs.list('images', { commas: false }),
    destinations: inputs.list('destinations', { commas: false }),
    tags: inputs.list('tags'),
    signatures: inputs.boolean('signatures', true),
    registryCredentials: credentials === undefined ? undefined : structuredInput(inputs, 'registry-credentials'),
    concurrency: inputs.integer('concurrency', 8, { min: 1, max: 64 }),
    dryRun: inputs.boolean('dry-run'),
    manifest: inputs.optional('manifest'),
  };
}
