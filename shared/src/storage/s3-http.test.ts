import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { isRetryableError } from '../core/retry.ts';
import { blackholePort } from '../testing/net.ts';
import { sdkSigner } from '../testing/sdk-signer.ts';
import { readBody, S3Http, S3ResponseError } from './s3-http.ts';
import { uriEscape } from './sigv4.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/**
 * A loopback server that checks SigV4 as S3 does — the canonical request rebuilt from what arrived on the wire,
 * signed again with the secret and compared — since s3rver checks none.
 */
async function signatureCheckingServer(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = String(req.headers.authorization);
    const signedNames = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [];
    const date = String(req.headers['x-amz-date']);
    const signingDate = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const expected = await sdkSigner(credentials, 'us-east-1').sign(
      {
        method: req.method ?? '',
        protocol: 'http:',
        hostname: '127.0.0.1',
        // S3 signs each path segment decoded, then escaped once per RFC 3986 (only A-Z a-z 0-9 - _ . ~ left bare).
        path: url.pathname
          .split('/')
          .map((segment) =>
            encodeURIComponent(decodeURIComponent(segment)).replace(
              /[!'()*]/g,
              (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
            ),
          )
          .join('/'),
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(signedNames.map((n) => [n, String(req.headers[n])])),
      },
      { signingDate },
    );
    const ok = expected.headers['authorization'] === auth;
    seen.push(`${req.method} ${decodeURIComponent(url.pathname)} ${body.length} ${ok ? 'signed' : 'BAD SIGNATURE'}`);
    res.writeHead(ok ? 200 : 403, { etag: '"e"' });
    res.end(ok ? '<ListBucketResult/>' : '<Error><Code>SignatureDoesNotMatch</Code></Error>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const clientTarget = {
  credentials: async () => credentials,
  region: async () => 'us-east-1',
  timeoutMs: 10_000,
  connectTimeoutMs: 10_000,
};
const client = () => new S3Http(clientTarget);

/**
 * Runs `test` against a loopback server answering with `handler`, and an S3Http client of it. `checkContinue` answers
 * requests that carry Expect: 100-continue instead of the server's automatic 100 Continue.
 */
async function withServer(
  handler: http.RequestListener,
  test: (url: string, s3: S3Http) => Promise<void>,
  checkContinue?: http.RequestListener,
): Promise<void> {
  const server = http.createServer(handler);
  if (checkContinue) server.on('checkContinue', checkContinue);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const s3 = client();
    await test(`http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/key`, s3);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('S3Http', () => {
  it('sends requests whose SigV4 signature holds for the path and query as sent, odd keys included', async () => {
    const server = await signatureCheckingServer();
    try {
      const s3 = client();
      const key = ['bucket', 'a b&c+d~é', "(1)'!*=;.txt"].map(uriEscape).join('/');
      await s3.put({
        url: `${server.url}/${key}`,
        headers: { 'x-amz-meta-sha256': sha256Hex('v') },
        body: Buffer.from('v'),
        size: 1,
      });
      await readBody(await s3.request({ method: 'HEAD', url: `${server.url}/${key}` }));
      await readBody(
        await s3.request({
          method: 'GET',
          url: `${server.url}/bucket/`,
          query: { 'max-keys': '2', prefix: 'a b&c/', marker: "a b&c/(1)'!*=;+.txt" },
        }),
      );
      await readBody(await s3.request({ method: 'POST', url: `${server.url}/${key}`, query: { uploads: '' } }));
      await s3.put({
        url: `${server.url}/${key}`,
        query: { partNumber: '1', uploadId: 'a/b+c=' },
        body: Buffer.from('p'),
        size: 1,
      });
      const complete = Buffer.from('<CompleteMultipartUpload/>');
      await readBody(
        await s3.request({
          method: 'POST',
          url: `${server.url}/${key}`,
          query: { uploadId: 'a/b+c=' },
          body: complete,
          size: complete.length,
        }),
      );
      await readBody(await s3.request({ method: 'DELETE', url: `${server.url}/${key}` }));
      expect(server.seen).toEqual([
        "PUT /bucket/a b&c+d~é/(1)'!*=;.txt 1 signed",
        "HEAD /bucket/a b&c+d~é/(1)'!*=;.txt 0 signed",
        'GET /bucket/ 0 signed',
        "POST /bucket/a b&c+d~é/(1)'!*=;.txt 0 signed",
        "PUT /bucket/a b&c+d~é/(1)'!*=;.txt 1 signed",
        "POST /bucket/a b&c+d~é/(1)'!*=;.txt 26 signed",
        "DELETE /bucket/a b&c+d~é/(1)'!*=;.txt 0 signed",
      ]);
    } finally {
      await server.close();
    }
  });

  const SKEWED = '<Error><Code>RequestTimeTooSkewed</Code><Message>too skewed</Message></Error>';

  it('corrects its clock from a refusal for clock skew and sends once more', async () => {
    const storeClock = Date.now() + 3_600_000;
    const dates: string[] = [];
    await withServer(
      (req, res) => {
        const date = String(req.headers['x-amz-date']);
        dates.push(date);
        const sent = Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
        const skewed = Math.abs(sent - storeClock) > 15 * 60_000;
        res.writeHead(skewed ? 403 : 200, { date: new Date(storeClock).toUTCString() });
        res.end(skewed ? SKEWED : '');
      },
      async (url, s3) => {
        // A HEAD's refusal has no body: its status and Date are all there is to go on.
        await readBody(await s3.request({ method: 'HEAD', url }));
        await readBody(await s3.request({ method: 'HEAD', url }));
      },
    );
    // One refusal, then every request signed on the store's clock.
    expect(dates).toHaveLength(3);
  });

  it('gives up connecting after the connect timeout, not the idle timeout, with an error that is retried', async () => {
    const blackhole = await blackholePort();
    try {
      const s3 = new S3Http({ ...clientTarget, timeoutMs: 60_000, connectTimeoutMs: 300 });
      // The connect timeout's own error, well before the idle timeout (60 s) could fire within this test's 30 s.
      const failure = await s3.request({ method: 'GET', url: `http://127.0.0.1:${blackhole.port}/bucket/key` }).catch((e) => e);
      expect(failure).toMatchObject({ name: 'TimeoutError', message: 'the connection timed out' });
      expect(isRetryableError(failure)).toBe(true);
    } finally {
      blackhole.close();
    }
  }, 30_000);

  it('gives up on a refusal for clock skew when the store sends no usable Date', async () => {
    await withServer(
      (_req, res) => {
        res.sendDate = false;
        res.writeHead(403);
        res.end(SKEWED);
      },
      async (url, s3) => {
        await expect(s3.request({ method: 'GET', url })).rejects.toMatchObject({ s3Code: 'RequestTimeTooSkewed' });
      },
    );
  });
});

describe('S3Http sending a file', () => {
  const size = 6 * 1024 * 1024;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 's3-http-'));
    file = path.join(dir, 'body.bin');
    await writeFile(file, randomBytes(size));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Reads the whole body, then answers 200 with an ETag; counts the bytes. */
  const accept =
    (received: number[]): http.RequestListener =>
    (req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on('end', () => {
        received.push(bytes);
        res.writeHead(200, { etag: '"e"' });
        res.end();
      });
    };
  const ACCESS_DENIED = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

  it('fails with an error that is retried, and the process goes on, when the connection is reset mid-body', async () => {
    await withServer(
      (req) => {
        let bytes = 0;
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > 2 * 1024 * 1024) req.socket.resetAndDestroy();
        });
      },
      async (url, s3) => {
        const failure = await s3.put({ url, body: { file }, size }).catch((e: unknown) => e);
        expect(failure).toMatchObject({ code: 'ECONNRESET' });
        expect(isRetryableError(failure)).toBe(true);
      },
    );
  });

  it("asks before sending the body (Expect: 100-continue): a refusal is the store's own error and no byte is sent", async () => {
    let received = 0;
    await withServer(
      () => {},
      async (url, s3) => {
        await expect(s3.put({ url, body: { file }, size })).rejects.toMatchObject({ s3Code: 'AccessDenied' });
      },
      (req, res) => {
        req.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(ACCESS_DENIED);
      },
    );
    expect(received).toBe(0);
  });

  it('sends the body after a second to a store that ignores Expect, and at once on its 100 Continue', async () => {
    const received: number[] = [];
    for (const ignoresExpect of [true, false]) {
      const started = performance.now();
      await withServer(
        accept(received),
        async (url, s3) => {
          expect(await s3.put({ url, body: { file }, size })).toBe('"e"');
        },
        ignoresExpect ? accept(received) : undefined,
      );
      const ms = performance.now() - started;
      if (ignoresExpect) expect(ms).toBeGreaterThanOrEqual(950);
    }
    expect(received).toEqual([size, size]);
  });

  it('refuses a file that shrank or grew since its size was taken, instead of a request the store waits on', async () => {
    const received: number[] = [];
    await withServer(accept(received), async (url, s3) => {
      await expect(s3.put({ url, body: { file }, size: size + 5 })).rejects.toThrow(/shrank to \d+ of \d+ bytes/);
      await expect(s3.put({ url, body: { file }, size: size - 5 })).rejects.toThrow(/grew past \d+ bytes/);
    });
    expect(received).toEqual([]);
  });
});

describe('S3ResponseError', () => {
  it('carries the S3 error code and the HTTP status', () => {
    const err = new S3ResponseError(
      400,
      '<?xml version="1.0"?><Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not match.</Message></Error>',
    );
    expect(err).toMatchObject({
      s3Code: 'BadDigest',
      status: 400,
      message: 'BadDigest: The Content-MD5 you specified did not match.',
    });
    expect(isRetryableError(err)).toBe(false);
  });

  it('names a bodiless refusal by its status; 5xx but 501 and 429 are retried', () => {
    expect(new S3ResponseError(412, '').s3Code).toBe('PreconditionFailed');
    expect(new S3ResponseError(403, '').s3Code).toBe('Forbidden');
    expect(new S3ResponseError(418, '').s3Code).toBe('Http418');
    expect(isRetryableError(new S3ResponseError(501, '<Error><Code>NotImplemented</Code></Error>'))).toBe(false);
    expect(isRetryableError(new S3ResponseError(503, '<Error><Code>SlowDown</Code></Error>'))).toBe(true);
    expect(isRetryableError(new S3ResponseError(429, ''))).toBe(true);
  });
});
