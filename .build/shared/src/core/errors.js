export class ReleaseError extends Error {
  name = 'ReleaseError';
  code;
  userError;
  constructor(code, message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.userError = options.userError ?? true;
  }
}
/** A bad input value: names the input and what is wrong with the value. */
export class InputError extends ReleaseError {
  name = 'InputError';
  input;
  constructor(input, problem, options = {}) {
    super('INPUT_INVALID', `Input '${input}': ${problem}`, options);
    this.input = input;
  }
}
export class NotImplementedError extends ReleaseError {
  name = 'NotImplementedError';
  constructor(what) {
    super('NOT_IMPLEMENTED', `${what} is not implemented yet`);
  }
}
export class UnsafePathError extends ReleaseError {
  name = 'UnsafePathError';
  path;
  constructor(path, problem) {
    super('PATH_UNSAFE', `Refusing path '${path}': ${problem}`);
    this.path = path;
  }
}
export class DigestMismatchError extends ReleaseError {
  name = 'DigestMismatchError';
  constructor(subject, expected, actual) {
    super('DIGEST_MISMATCH', `Digest mismatch for ${subject}: expected ${expected}, got ${actual}`);
  }
}
/** An HTTP response we did not expect; `status` drives retry classification. */
export class HttpError extends ReleaseError {
  name = 'HttpError';
  status;
  retryAfterMs;
  constructor(status, message, options = {}) {
    super('HTTP_ERROR', message, { userError: false, ...options });
    this.status = status;
    this.retryAfterMs = options.retryAfterMs;
  }
}
export function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}
/** Renders an error and its chain of causes on one line: "a: b: c". */
export function describeError(err) {
  const parts = [];
  let current = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const msg = errorMessage(current);
    if (!parts.some((p) => p.includes(msg))) parts.push(msg);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}
