import { describe, expect, it } from 'vitest';
import { describeError, findCause, HttpError, ReleaseError } from './errors.ts';

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
