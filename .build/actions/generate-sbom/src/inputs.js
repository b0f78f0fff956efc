export function readInputs(inputs) {
  return {
    files: inputs.list('files', { commas: false }),
    images: inputs.list('images', { commas: false }),
    format: inputs.enum('format', ['cyclonedx', 'spdx', 'both'], 'both'),
    outputDir: inputs.raw('output-dir') || 'sbom',
    manifest: inputs.optional('manifest'),
  };
}
