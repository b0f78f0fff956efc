import { InputError } from '../../../shared/src/core/errors.ts';
import type { InputReader } from '../../../shared/src/core/inputs.ts';

const FORMATS = ['deb', 'rpm'] as const;

export interface BuildPackagesInputs {
  config: string;
  formats: Array<(typeof FORMATS)[number]>;
  repository: boolean;
  gpgPrivateKey: string | undefined;
  gpgPassphrase: string | undefined;
  outputDir: string;
  dryRun: boolean;
  manifest: string | undefined;
}

export function readInputs(inputs: InputReader): BuildPackagesInputs {
  const formats = inputs.list('formats');
  for (const f of formats) {
    if (!(FORMATS as readonly string[]).includes(f))
      throw new InputError('formats', `unknown format ${JSON.stringify(f)} (expected deb, rpm)`);
  }
  return {
    config: inputs.required('config'),
    formats: formats as BuildPackagesInputs['formats'],
    repository: inputs.boolean('repository', true),
    gpgPrivateKey: inputs.secret('gpg-private-key'),
    gpgPassphrase: inputs.secret('gpg-passphrase'),
    outputDir: inputs.raw('output-dir') || 'packages',
    dryRun: inputs.boolean('dry-run'),
    manifest: inputs.optional('manifest'),
  };
}
