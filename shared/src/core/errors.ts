/**
 * The error taxonomy. Every failure the suite reports is a ReleaseError with a
 * stable `code` (tests assert the code, not the message) and an optional `cause`.
 * `userError` separates problems the user can fix (bad input, a digest that does
 * not match) from our own failures; runAction prints the former without a stack.
 * It is false unless the code that throws says so: a new failure is ours until shown otherwise.
 */
export type ErrorCode =
  | 'INPUT_INVALID'
  | 'NOT_IMPLEMENTED'
  | 'NOT_SUPPORTED'
  | 'CAPABILITY_MISSING'
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
  | 'PACKAGE_CONFIG_INVALID'
  | 'REGISTRY_ERROR'
  | 'PROMOTION_FAILED'
  | 'SBOM_INVALID';

export interface ReleaseErrorOptions {
  cause?: unknown;
  /** A user-fixable problem: reported without a stack trace. False unless given. */
  userError?: boolean;
}

export class ReleaseError extends Error {
  override name = 'ReleaseError';
  readonly code: ErrorCode;
  readonly userError: boolean;
  constructor(code: ErrorCode, message: string, options: ReleaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.userError = options.userError ?? false;
  }
}

/** A bad input value: names the input and what is wrong with the value. */
export class InputError extends ReleaseError {
  override name = 'InputError';
  readonly input: string;
  constructor(input: string, problem: string, options: ReleaseErrorOptions = {}) {
    super('INPUT_INVALID', `Input '${input}': ${problem}`, { ...options, userError: true });
    this.input = input;
  }
}

export class NotImplementedError extends ReleaseError {
  override name = 'NotImplementedError';
  constructor(what: string) {
    super('NOT_IMPLEMENTED', `${what} is not implemented yet`, { userError: true });
  }
}

export class UnsafePathError extends ReleaseError {
  override name = 'UnsafePathError';
  readonly path: string;
  constructor(path: string, problem: string) {
    super('PATH_UNSAFE', `Refusing path '${path}': ${problem}`, { userError: true });
    this.path = path;
  }
}

export class DigestMismatchError extends ReleaseError {
  override name = 'DigestMismatchError';
  constructor(subject: string, expected: string, actual: string) {
    super('DIGEST_MISMATCH', `Digest mismatch for ${subject}: expected ${expected}, got ${actual}`, { userError: true });
  }
}

/** A checksum file that holds something other than what its name promises (a bare hex digest for `.sha256`). */
export class ChecksumFormatError extends ReleaseError {
  override name = 'ChecksumFormatError';
  constructor(file: string, problem: string) {
    super('CHECKSUM_FORMAT', `${file}: ${problem}`, { userError: true });
  }
}

/** An HTTP response we did not expect; `status` drives retry classification. */
export class HttpError extends ReleaseError {
  override name = 'HttpError';
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, message: string, options: ReleaseErrorOptions & { retryAfterMs?: number } = {}) {
    super('HTTP_ERROR', message, options);
    this.status = status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The error and its causes, outermost first; a cycle or a chain deeper than 16 ends the walk. */
export function* causes(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  for (let current = error; current !== undefined && current !== null && !seen.has(current) && seen.size < 16; ) {
    seen.add(current);
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/** The first of the error and its causes that the predicate accepts (wrappers such as withRetry's keep the cause). */
export function findCause<T>(error: unknown, predicate: (e: unknown) => e is T): T | undefined;
export function findCause(error: unknown, predicate: (e: unknown) => boolean): unknown;
export function findCause(error: unknown, predicate: (e: unknown) => boolean): unknown {
  for (const e of causes(error)) if (predicate(e)) return e;
  return undefined;
}

/** Renders an error and its chain of causes on one line: "a: b: c". */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (const current of causes(err)) {
    const msg = errorMessage(current);
    if (!parts.some((p) => p.includes(msg))) parts.push(msg);
  }
  return parts.join(': ');
}
