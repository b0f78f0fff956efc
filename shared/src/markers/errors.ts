/** The failures of marker updates, each with its own code. */
import { ReleaseError } from '../core/errors.ts';

/** An existing marker whose content is not a version: we refuse to guess. */
export class MarkerInvalidError extends ReleaseError {
  override name = 'MarkerInvalidError';
  readonly key: string;
  constructor(key: string, content: string) {
    super('MARKER_INVALID', `Marker ${key} holds ${JSON.stringify(content.slice(0, 80))}, which is not a version`, {
      userError: true,
    });
    this.key = key;
  }
}

/** The release a marker would point at is not (completely) published at the destination. */
export class ReleaseMissingError extends ReleaseError {
  override name = 'ReleaseMissingError';
  readonly version: string;
  constructor(version: string, problem: string) {
    super('RELEASE_MISSING', `Release ${version} ${problem}; no marker was written`, { userError: true });
    this.version = version;
  }
}

/** Every compare-and-swap attempt on one object lost its race. */
export class ContendedError extends ReleaseError {
  override name = 'ContendedError';
  readonly key: string;
  constructor(key: string, attempts: number, cause: unknown) {
    super('PRECONDITION_FAILED', `${key} kept changing: gave up after ${attempts} compare-and-swap attempts`, {
      cause,
    });
    this.key = key;
  }
}

/** A marker did not serve its new value at the public URL in time. */
export class ReadBackTimeoutError extends ReleaseError {
  override name = 'ReadBackTimeoutError';
  constructor(url: string, expected: string, last: string) {
    super('TIMEOUT', `${url} still serves ${last} instead of ${expected}`, { userError: true });
  }
}

/** The store cannot compare-and-swap, and no other guard was named (concurrency-guard: none). */
export class CompareAndSwapUnavailableError extends ReleaseError {
  override name = 'CompareAndSwapUnavailableError';
  constructor(location: string, missing: readonly string[], notes: readonly string[]) {
    super(
      'CAPABILITY_MISSING',
      `${location} cannot compare-and-swap: it lacks ${missing.join(' and ')}${notes.length ? ` (${notes.join('; ')})` : ''}. ` +
        'Two runs at once could both move a marker, or move it backwards. Use a store that enforces conditional writes, ' +
        'or set concurrency-guard: none and give every workflow that updates these markers one concurrency: group.',
      { userError: true },
    );
  }
}
