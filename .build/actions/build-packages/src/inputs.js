import { InputError } from '../../../shared/src/core/errors.js';

const FORMATS = ['deb', 'rpm'];
export function readInputs(inputs) {
  const formats = inputs.list('formats');
  for (const f of formats) {
    if (!FORMATS.includes(f)) throw new InputError('formats', `unknown format ${JSON.stringify(f)} (expected deb, rpm)`);
  }
  return {
    config: inputs.required('config'),
    formats: formats,
    repository: inputs.boolean('repository', true),
    gpgPrivateKey: inputs.secret('gpg-private-key'),
    gpgPassphrase: inputs.secret('gpg-passphrase'),
    outputDir: inputs.raw('output-dir') || 'packages',
    dryRun: inputs.boolean('dry-run'),
    manifest: inputs.optional('manifest'),
  };
}
