import { describe, expect, it } from 'vitest';
import { isRetryableError } from '../core/retry.ts';
import { S3ResponseError } from './s3-put.ts';

describe('S3ResponseError', () => {
  it('carries the S3 error code and the HTTP status as the SDK service errors do', () => {
    const err = new S3ResponseError(
      400,
      '<?xml version="1.0"?><Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not match.</Message></Error>',
    );
    expect(err).toMatchObject({ name: 'BadDigest', message: 'The Content-MD5 you specified did not match.' });
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(isRetryableError(err)).toBe(false);
  });

  it('names a bodiless refusal by its status; 5xx and 429 are retried', () => {
    expect(new S3ResponseError(412, '').name).toBe('PreconditionFailed');
    expect(isRetryableError(new S3ResponseError(503, '<Error><Code>SlowDown</Code></Error>'))).toBe(true);
    expect(isRetryableError(new S3ResponseError(429, ''))).toBe(true);
  });
});
