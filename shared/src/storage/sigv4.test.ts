import { describe, expect, it } from 'vitest';
import { sdkSigner } from '../testing/sdk-signer.ts';
import { canonicalQuery, type RequestToSign, type SigningCredentials, SigV4Signer } from './sigv4.ts';

/** What the AWS SDK's own signer makes of the same request. */
async function sdkSigned(request: RequestToSign, credentials: SigningCredentials, region: string, date: Date) {
  const signed = await sdkSigner(credentials, region).sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: 'h',
      path: request.path,
      query: { ...request.query },
      headers: { ...request.headers },
    },
    { signingDate: date },
  );
  return signed.headers;
}

const keys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const date = new Date('2026-12-06T21:15:30.123Z');

describe('SigV4Signer', () => {
  const requests: [string, RequestToSign][] = [
    [
      'a HEAD',
      {
        method: 'HEAD',
        path: '/bucket/release/v1.31.2/kubectl',
        query: {},
        headers: { host: 'h', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
    ],
    [
      'a PUT with metadata, checksums and headers that are never signed',
      {
        method: 'PUT',
        path: '/bucket/a%20b%26c%2Bd~%C3%A9/%281%29%27%21%2A%3D%3B.txt',
        query: {},
        headers: {
          host: '127.0.0.1:4568',
          'content-length': '1048576',
          'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==',
          'content-type': 'application/octet-stream',
          'cache-control': 'public, max-age=31536000, immutable',
          expect: '100-continue',
          'x-amz-meta-sha256': '  spaced   value ',
          'if-none-match': '*',
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        },
      },
    ],
    [
      'a listing whose query needs escaping and sorting',
      {
        method: 'GET',
        path: '/bucket',
        query: { prefix: 'release/v1.31.2/a b+c', 'list-type': '2', 'continuation-token': 'x/y=z*', 'max-keys': '1000' },
        headers: { host: 'h', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
    ],
    [
      'a multipart upload',
      {
        method: 'POST',
        path: '/bucket/k',
        query: { uploads: '' },
        headers: { host: 'h', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
    ],
  ];

  for (const [what, request] of requests) {
    it(`signs ${what} as the AWS SDK does`, async () => {
      const ours = new SigV4Signer().sign(request, keys, 'eu-west-1', date);
      expect(ours).toEqual(await sdkSigned(request, keys, 'eu-west-1', date));
    });
  }

  it('signs the session token of temporary credentials, and derives a new key for another day, region or secret', async () => {
    const signer = new SigV4Signer();
    const [, request] = requests[0] as [string, RequestToSign];
    const temporary = { ...keys, sessionToken: 'FwoGZXIvYXdzEJr//////////token' };
    for (const [credentials, region, when] of [
      [temporary, 'us-east-1', date],
      [temporary, 'us-east-1', new Date('2026-12-07T00:00:01Z')],
      [temporary, 'auto', date],
      [{ ...keys, secretAccessKey: 'other' }, 'auto', date],
    ] as const) {
      const ours = signer.sign(request, credentials, region, when);
      expect(ours).toEqual(await sdkSigned(request, credentials, region, when));
    }
  });

  it('sends the query as it signs it', () => {
    expect(canonicalQuery({ b: '2', a: 'x y', 'c*': '' })).toBe('a=x%20y&b=2&c%2A=');
  });
});
