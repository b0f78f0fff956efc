/**
 * The error taxonomy. Every failure the suite reports is a ReleaseError with a
 * stable `code` (tests assert the code, not the message) and an optional `cause`.
 * `userError` separates problems the user can fix (bad input, a digest that does
 * not match) from our own failures; runAction prints the former without a stack.
 */
export type ErrorCode =
  | 'INPUT_INVALID'
  | 'NOT_IMPLEMENTED'
  | 'PATH_UNSAFE'
  | 'DIGEST_MISMATCH'
  | 'CHECKSUM_FORMAT'
  | 'HTTP_ERROR'
  | 'RETRY_EXHAUSTED'
  | 'MANIFEST_INVALID'
  | 'STORAGE_ERROR'
  | 'PRECONDITION_FAILED'
  | 'SIGNING_FAILED'
  | 'VERIFICATION_FAILED'
  | 'MARKER_INVALID'
  | 'RELEASE_MISSING'
  | 'TIMEOUT'
  | 'RELEASE_CONFLICT'
  | 'REGISTRY_ERROR'
  | 'PROMOTION_FAILED'
  | 'SBOM_INVALID';

export interface ReleaseErrorOptions {
  cause?: unknown;
  /** A user-fixable problem: reported without a stack trace. */
  userError?: boolean;
}

export class ReleaseError extends Error {
  override name = 'ReleaseError';
  readonly code: ErrorCode;
  readonly userError: boolean;
  constructor(code: ErrorCode, message: string, options: ReleaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.userError = options.userError ?? true;
  }
}

/** A bad input value: names the input and what is wrong with the value. */
export class InputError extends ReleaseError {
  override name = 'InputError';
  readonly input: string;
  constructor(input: string, problem: string, options: ReleaseErrorOptions = {}) {
    super('INPUT_INVALID', `Input '${input}': ${problem}`, options);
    this.input = input;
  }
}

export class NotImplementedError extends ReleaseError {
  override name = 'NotImplementedError';
  constructor(what: string) {
    super('NOT_IMPLEMENTED', `${what} is not implemented yet`);
  }
}

export class UnsafePathError extends ReleaseError {
  override name = 'UnsafePathError';
  readonly path: string;
  constructor(path: string, problem: string) {
    super('PATH_UNSAFE', `Refusing path '${path}': ${problem}`);
    this.path = path;
  }
}

export class DigestMismatchError extends ReleaseError {
  override name = 'DigestMismatchError';
  constructor(subject: string, expected: string, actual: string) {
    super('DIGEST_MISMATCH', `Digest mismatch for ${subject}: expected ${expected}, got ${actual}`);
  }
}

/** A checksum file that holds something other than what its name promises (a bare hex digest for `.sha256`). */
export class ChecksumFormatError extends ReleaseError {
  override name = 'ChecksumFormatError';
  constructor(file: string, problem: string) {
    super('CHECKSUM_FORMAT', `${file}: ${problem}`);
  }
}

/** An HTTP response we did not expect; `status` drives retry classification. */
export class HttpError extends ReleaseError {
  override name = 'HttpError';
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, message: string, options: ReleaseErrorOptions & { retryAfterMs?: number } = {}) {
    super('HTTP_ERROR', message, { userError: false, ...options });
    this.status = status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Renders an error and its chain of causes on one line: "a: b: c". */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const msg = errorMessage(current);
    if (!parts.some((p) => p.includes(msg))) parts.push(msg);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}
