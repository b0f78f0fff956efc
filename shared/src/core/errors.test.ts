import { describe, expect, it } from 'vitest';
import {
  ChecksumFormatError,
  DigestMismatchError,
  describeError,
  findCause,
  HttpError,
  InputError,
  NotImplementedError,
  ReleaseError,
  UnsafePathError,
} from './errors.ts';

describe('userError', () => {
  it.each([
    ['a bare ReleaseError', new ReleaseError('STORAGE_ERROR', 'x'), false],
    ['a ReleaseError that says so', new ReleaseError('STORAGE_ERROR', 'x', { userError: true }), true],
    ['InputError', new InputError('files', 'x'), true],
    ['InputError, even when given false', new InputError('files', 'x', { userError: false }), true],
    ['NotImplementedError', new NotImplementedError('x'), true],
    ['UnsafePathError', new UnsafePathError('../x', 'x'), true],
    ['DigestMismatchError', new DigestMismatchError('x', 'a', 'b'), true],
    ['ChecksumFormatError', new ChecksumFormatError('x', 'x'), true],
    ['HttpError', new HttpError(500, 'x'), false],
  ])('%s → %s', (_, error, expected) => {
    expect(error.userError).toBe(expected);
  });
});

describe('findCause', () => {
  const http = new HttpError(501, 'not implemented');
  const wrapped = new ReleaseError('RETRY_EXHAUSTED', 'gave up', {
    cause: new Error('outer', { cause: http }),
    userError: false,
  });

  it.each([
    ['the error itself', http, http],
    ['a cause two levels down', wrapped, http],
    ['nothing when no cause matches', new Error('plain'), undefined],
    ['nothing for a non-error', 'text', undefined],
  ])('finds %s', (_, error, expected) => {
    expect(findCause(error, (e): e is HttpError => e instanceof HttpError)).toBe(expected);
  });

  it('ends on a cyclic chain', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(findCause(a, () => false)).toBeUndefined();
    expect(describeError(a)).toBe('a: b');
  });
});
