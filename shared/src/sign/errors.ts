/** Failures of the signing domain: each carries the files it concerns, so a report can list them all. */
import { ReleaseError, type ReleaseErrorOptions } from '../core/errors.ts';

export interface FileFailure {
  path: string;
  reason: string;
}

function listing(failures: readonly FileFailure[]): string {
  return failures.map((f) => `${f.path}: ${f.reason}`).join('; ');
}

/** Signing (or witnessing: Fulcio, Rekor, TSA) failed for one or more files. */
export class SigningError extends ReleaseError {
  override name = 'SigningError';
  readonly failures: FileFailure[];
  constructor(message: string, failures: readonly FileFailure[] = [], options: ReleaseErrorOptions = {}) {
    super('SIGNING_FAILED', failures.length > 0 ? `${message}: ${listing(failures)}` : message, options);
    this.failures = [...failures];
  }
}

/** One or more files have no signature that verifies for the required identity or key. */
export class VerificationError extends ReleaseError {
  override name = 'VerificationError';
  readonly failures: FileFailure[];
  constructor(message: string, failures: readonly FileFailure[] = [], options: ReleaseErrorOptions = {}) {
    super('VERIFICATION_FAILED', failures.length > 0 ? `${message}: ${listing(failures)}` : message, {
      userError: true,
      ...options,
    });
    this.failures = [...failures];
  }
}
