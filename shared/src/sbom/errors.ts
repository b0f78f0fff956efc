import { ReleaseError } from '../core/errors.ts';

/** A document that would not be valid: a bug of ours, nothing is written. */
export class SbomInvalidError extends ReleaseError {
  override name = 'SbomInvalidError';
  constructor(message: string) {
    super('SBOM_INVALID', message, { userError: false });
  }
}
