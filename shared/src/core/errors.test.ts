import { describe, expect, it } from 'vitest';
import {
  ChecksumFormatError,
  DigestMismatchError,
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
