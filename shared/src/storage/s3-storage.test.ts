import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashFile, sha256Hex } from '../core/hash.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { multipartEtag } from './content-etag.ts';
import { objectBaseUrl, S3Storage } from './s3-storage.ts';

describe('S3Storage credentials', () => {
  let server: S3rverHandle;
  const saved = { ...process.env };
  beforeAll(async () => {
    server = await startS3rver({ buckets: ['creds'] });
  });
  afterAll(() => server.stop());
  afterEach(() => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  const store = () =>
    new S3Storage({
      bucket: 'creds',
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      retry: { attempts: 1 },
    });
  const put = (storage: S3Storage) => storage.put('k', { data: Buffer.from('v') }, { sha256: sha256Hex('v'), size: 1 });

  it('signs with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment when none are given', async () => {
    process.env['AWS_ACCESS_KEY_ID'] = server.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = server.secretAccessKey;
    delete process.env['AWS_PROFILE'];
    const storage = store();
    await put(storage);
    expect(await storage.stat('k')).toMatchObject({ size: 1, sha256: sha256Hex('v') });

    // s3rver checks the key id (not SigV4 signatures): another one is refused, so the environment's was the one sent.
    process.env['AWS_ACCESS_KEY_ID'] = 'NOT-A-KEY';
    await expect(put(store())).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('HTTP 403') });
  });
});

describe('S3 object URLs', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('addresses a bucket as the SDK does: virtual-hosted, or path-style when asked, when the name is no DNS label or when the endpoint is an IP address', () => {
    expect(objectBaseUrl('k8s-release', 'us-east-2', undefined, false)).toBe('https://k8s-release.s3.us-east-2.amazonaws.com');
    expect(objectBaseUrl('dl.k8s.io', 'us-east-2', undefined, false)).toBe('https://s3.us-east-2.amazonaws.com/dl.k8s.io');
    expect(objectBaseUrl('k8s-release', 'cn-north-1', undefined, false)).toBe(
      'https://k8s-release.s3.cn-north-1.amazonaws.com.cn',
    );
    expect(objectBaseUrl('b', 'eu-west-1', 'https://minio.example:9000/base/', true)).toBe('https://minio.example:9000/base/b');
    expect(objectBaseUrl('bucket', 'auto', 'https://acct.r2.cloudflarestorage.com', false)).toBe(
      'https://bucket.acct.r2.cloudflarestorage.com',
    );
    expect(objectBaseUrl('my.bucket', 'auto', 'https://acct.r2.cloudflarestorage.com', false)).toBe(
      'https://acct.r2.cloudflarestorage.com/my.bucket',
    );
    expect(objectBaseUrl('releases', 'us-east-1', 'http://10.0.0.5:9000', false)).toBe('http://10.0.0.5:9000/releases');
    expect(objectBaseUrl('releases', 'us-east-1', 'http://[::1]:9000', false)).toBe('http://[::1]:9000/releases');
    process.env['AWS_USE_FIPS_ENDPOINT'] = 'true';
    process.env['AWS_USE_DUALSTACK_ENDPOINT'] = 'true';
    expect(objectBaseUrl('gov', 'us-gov-west-1', undefined, false)).toBe(
      'https://gov.s3-fips.dualstack.us-gov-west-1.amazonaws.com',
    );
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, when none is given', () => {
    process.env['AWS_ENDPOINT_URL'] = 'http://127.0.0.1:9000';
    expect(new S3Storage({ bucket: 'bkt', forcePathStyle: true }).urlFor('k')).toBe('http://127.0.0.1:9000/bkt/k');
    process.env['AWS_ENDPOINT_URL_S3'] = 'http://127.0.0.1:9001';
    expect(new S3Storage({ bucket: 'bkt', forcePathStyle: true }).urlFor('k')).toBe('http://127.0.0.1:9001/bkt/k');
    expect(new S3Storage({ bucket: 'bkt', forcePathStyle: true, endpoint: 'http://127.0.0.1:9002' }).urlFor('k')).toBe(
      'http://127.0.0.1:9002/bkt/k',
    );
  });
});

describe('S3 multipart completion', () => {
  const MiB = 1024 * 1024;
  const data = Buffer.alloc(6 * MiB, 5);
  const md5 = (b: Buffer) => createHash('md5').update(b).digest();

  /** Bucket `b`, path-style, at a loopback server. */
  function storageAt(server: http.Server, options: Partial<ConstructorParameters<typeof S3Storage>[0]>): S3Storage {
    return new S3Storage({
      bucket: 'bkt',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      ...options,
    });
  }

  /**
   * A loopback store for a 6 MiB file sent in 5 MiB parts: create and parts answered as S3 does, every other call
   * by `answer`. `put` uploads the file; `seen` lists the calls (method and query names).
   */
  async function withMultipartStore(
    answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
    test: (put: () => Promise<{ etag?: string }>, seen: string[]) => Promise<void>,
  ): Promise<void> {
    const file = path.join(tmpdir(), `s3-multipart-${process.pid}-${Math.random()}.bin`);
    await writeFile(file, data);
    const { sha256, size } = await hashFile(file);
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        seen.push(`${req.method} ${[...url.searchParams.keys()].join(',')}`);
        if (req.method === 'POST' && url.searchParams.has('uploads'))
          res.end('<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>');
        else if (req.method === 'PUT') res.writeHead(200, { etag: `"p${url.searchParams.get('partNumber')}"` }).end();
        else answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const storage = storageAt(server, { partSize: 5 * MiB, retry: { attempts: 3, baseDelayMs: 1 } });
      await test(() => storage.put('big', { file }, { sha256, size }), seen);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await rm(file, { force: true });
    }
  }

  const error = (code: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>no</Message></Error>`;
  const result = '<CompleteMultipartUploadResult><ETag>&quot;whole&quot;</ETag></CompleteMultipartUploadResult>';

  it('takes 404 NoSuchKey on a write conditional on an ETag for a lost race (the object went meanwhile)', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(404).end(error('NoSuchKey')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const storage = storageAt(server, { retry: { attempts: 2, baseDelayMs: 1 } });
      const body = Buffer.from('v1.31.2');
      const options = { sha256: sha256Hex(body), size: body.length };
      await expect(storage.put('stable.txt', { data: body }, { ...options, ifMatch: '"e1"' })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
      await expect(storage.put('stable.txt', { data: body }, options)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('takes a 200 that carries an error document, or no result, for the failure it is', async () => {
    let completions = 0;
    let firstAnswer = '';
    await withMultipartStore(
      (req, res) => {
        if (req.method !== 'POST') res.writeHead(204).end();
        else res.end(completions++ === 0 ? firstAnswer : result);
      },
      async (upload, seen) => {
        const put = (answer: string) => {
          seen.length = 0;
          completions = 0;
          firstAnswer = answer;
          return upload();
        };
        // The store's own failure, or a completion that ended with nothing said: sent again.
        for (const answer of [error('InternalError'), '<?xml version="1.0" encoding="UTF-8"?>\n   ', '']) {
          expect((await put(answer)).etag).toBe('"whole"');
          expect(seen).toEqual([
            'POST uploads',
            'PUT partNumber,uploadId',
            'PUT partNumber,uploadId',
            'POST uploadId',
            'POST uploadId',
          ]);
        }
        // A refusal: not sent again, the upload aborted; a lost condition stays one.
        await expect(put(error('InvalidPart'))).rejects.toMatchObject({
          code: 'STORAGE_ERROR',
          message: expect.stringContaining('InvalidPart'),
        });
        expect(seen.slice(-2)).toEqual(['POST uploadId', 'DELETE uploadId']);
        await expect(put(error('PreconditionFailed'))).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
        expect(seen.slice(-2)).toEqual(['POST uploadId', 'DELETE uploadId']);
      },
    );
  });

  it('takes NoSuchUpload, after a completion whose answer was lost, as written when the object is these bytes', async () => {
    const written = `"${multipartEtag([md5(data.subarray(0, 5 * MiB)), md5(data.subarray(5 * MiB))])}"`;
    let headEtag = written;
    let completions = 0;
    await withMultipartStore(
      (req, res) => {
        // The store completes the upload, and the answer is lost on the way.
        if (req.method === 'POST' && completions++ === 0) req.socket.destroy();
        else if (req.method === 'POST') res.writeHead(404).end(error('NoSuchUpload'));
        else if (req.method === 'HEAD') res.writeHead(200, { etag: headEtag, 'content-length': String(data.length) }).end();
        else res.writeHead(204).end();
      },
      async (put, seen) => {
        expect((await put()).etag).toBe(written);
        expect(seen.slice(-3)).toEqual(['POST uploadId', 'POST uploadId', 'HEAD ']);

        // Another object there: the lost completion is not claimed, the failure stands.
        completions = 0;
        headEtag = '"someone-else-1"';
        await expect(put()).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('NoSuchUpload') });
      },
    );
  });
});
