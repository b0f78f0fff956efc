import type { InputReader } from '../../../shared/src/core/inputs.ts';

export interface GenerateSbomInputs {
  files: string[];
  images: string[];
  format: 'cyclonedx' | 'spdx' | 'both';
  outputDir: string;
  manifest: string | undefined;
}

export function readInputs(inputs: InputReader): GenerateSbomInputs {
  return {
    files: inputs.list('files', { commas: false }),
    images: inputs.list('images', { commas: false }),
    format: inputs.enum('format', ['cyclonedx', 'spdx', 'both'], 'both'),
    outputDir: inputs.raw('output-dir') || 'sbom',
    manifest: inputs.optional('manifest'),
  };
}
