/** The failures of publishing a release, each with its own code and the data a report needs. */
import { ReleaseError } from '../core/errors.ts';

export interface ObjectMismatch {
  key: string;
  expected: string;
  /** What the store holds: a digest, a size, or "missing". */
  actual: string;
}

/** Read-back after upload found objects that differ from what was sent. */
export class VerificationFailedError extends ReleaseError {
  override name = 'VerificationFailedError';
  readonly location: string;
  readonly mismatches: readonly ObjectMismatch[];
  constructor(location: string, mismatches: readonly ObjectMismatch[]) {
    const first = mismatches[0];
    super(
      'VERIFICATION_FAILED',
      `${location}: ${mismatches.length} object(s) differ after upload` +
        (first ? ` (first: ${first.key}: expected ${first.expected}, found ${first.actual})` : ''),
    );
    this.location = location;
    this.mismatches = mismatches;
  }
}

/** The destination already holds a published index for this version, with other content. */
export class PublishedReleaseChangedError extends ReleaseError {
  override name = 'PublishedReleaseChangedError';
  readonly location: string;
  constructor(location: string, version: string, changed: readonly string[], why?: string) {
    super(
      'RELEASE_CONFLICT',
      `${location}: ${version} is already published with different content (${changed.slice(0, 3).join(', ')}` +
        `${changed.length > 3 ? ', …' : ''}); ${why ? `${why}; nothing was changed` : 'a published release is immutable'} — publish a new version`,
      { userError: true },
    );
    this.location = location;
  }
}

/** Another run is publishing this version with other bytes: this run replaced none of its objects. */
export class ConcurrentPublishError extends ReleaseError {
  override name = 'ConcurrentPublishError';
  readonly location: string;
  constructor(location: string, version: string, path: string, what: string) {
    super(
      'RELEASE_CONFLICT',
      `${location}: another run is publishing ${version} with other bytes (${path}: ${what}); this run replaced none of its objects — keep one run per version, or publish a new version`,
      { userError: true },
    );
    this.location = location;
  }
}

/** Some destinations failed while the others completed. */
export class DestinationsFailedError extends ReleaseError {
  override name = 'DestinationsFailedError';
  readonly failures: ReadonlyArray<{ location: string; error: unknown }>;
  constructor(failures: ReadonlyArray<{ location: string; error: unknown }>) {
    const first = failures[0];
    const code = first?.error instanceof ReleaseError ? first.error.code : 'STORAGE_ERROR';
    super(code, `${failures.length} destination(s) failed: ${failures.map((f) => f.location).join(', ')}`, {
      cause: first?.error,
      userError: first?.error instanceof ReleaseError ? first.error.userError : false,
    });
    this.failures = failures;
  }
}
