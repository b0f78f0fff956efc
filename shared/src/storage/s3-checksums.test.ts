/**
 * Read-back from the store's checksum metadata (x-amz-checksum-mode) instead of a download. s3rver implements no
 * checksum mode, so it runs behind s3-checksum-proxy.ts, a loopback proxy shaped after AWS's documented checksum
 * headers and composite multipart checksums, which also gives multipart objects opaque ETags (as R2 and GCS do);
 * requests are counted at the proxy.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { verifyObjects } from '../publish/verify.ts';
import { type S3ChecksumProxy, startS3ChecksumProxy } from '../testing/s3-checksum-proxy.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import type { S3Provider } from './s3-profiles.ts';
import { S3Storage } from './s3-storage.ts';

const MiB = 1024 * 1024;

describe('S3 read-back from checksum metadata', () => {
  let s3: S3rverHandle;
  let proxy: S3ChecksumProxy;
  let dir: string;
  let file: string;
  const data = randomBytes(11 * MiB);
  beforeAll(async () => {
    [s3, dir] = await Promise.all([startS3rver({ buckets: ['sums'] }), mkdtemp(path.join(tmpdir(), 's3-checksums-'))]);
    proxy = await startS3ChecksumProxy({ target: s3.endpoint, opaqueMultipartEtags: true });
    file = path.join(dir, 'big.bin');
    await writeFile(file, data);
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([s3?.stop(), rm(dir, { recursive: true, force: true })]);
  });

  const store = (provider: S3Provider, prefix: string) =>
    new S3Storage({ bucket: 'sums', prefix, endpoint: proxy.url, provider, credentials: s3, partSize: 5 * MiB });

  /** Uploads the 3-part file and a small one, verifies both as publish does, and counts what verifying asked for. */
  async function uploadAndVerify(provider: S3Provider) {
    const storage = store(provider, provider);
    const small = Buffer.from('small\n');
    const written = [
      await storage.put('big.bin', { file }, { sha256: sha256Hex(data), size: data.length }),
      await storage.put('small.txt', { data: small }, { sha256: sha256Hex(small), size: small.length }),
    ];
    const from = proxy.requests.length;
    await verifyObjects(
      storage,
      written.map((w) => ({ key: w.key, size: w.size, sha256: w.sha256 ?? '', contentEtags: w.contentEtags })),
      4,
    );
    const asked = proxy.requests.slice(from);
    const on = (method: string, key: string) => asked.filter((r) => r.startsWith(`${method} /sums/${provider}/${key}`)).length;
    return { storage, asked, bigGets: on('GET', 'big.bin'), bigHeads: on('HEAD', 'big.bin') };
  }

  it('an R2-profile multipart object whose ETag is opaque is verified from its composite SHA-256: no GET', async () => {
    const { storage, asked, bigGets, bigHeads } = await uploadAndVerify('r2');
    // One listing (both objects; the small one's MD5 ETag vouches) and one HEAD with checksum mode for the big one.
    expect({ bigGets, bigHeads, requests: asked.length }).toEqual({ bigGets: 0, bigHeads: 1, requests: 2 });
    const info = await storage.stat('big.bin');
    expect(info?.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(info?.checksum).toMatch(/^sha256:[0-9a-f]{64}-3$/);
  });

  it('a store whose profile has no checksum mode (nothing proves the bytes) still reads the object whole', async () => {
    const { bigGets, bigHeads } = await uploadAndVerify('other');
    expect({ bigGets, bigHeads }).toEqual({ bigGets: 1, bigHeads: 1 });
  });

  it('an object whose checksum is not the one sent (replaced by other bytes meanwhile) is read whole and fails', async () => {
    const storage = store('r2', 'replaced');
    const written = await storage.put('big.bin', { file }, { sha256: sha256Hex(data), size: data.length });
    // Another writer's bytes of the same size, sent without checksums: the store then holds no checksum to show.
    const other = Buffer.from(data);
    other[0] = (other[0] ?? 0) ^ 1;
    const otherFile = path.join(dir, 'other.bin');
    await writeFile(otherFile, other);
    await store('other', 'replaced').put('big.bin', { file: otherFile }, { sha256: sha256Hex(other), size: other.length });
    const from = proxy.requests.length;
    const error = await verifyObjects(
      storage,
      [{ key: 'big.bin', size: data.length, sha256: sha256Hex(data), contentEtags: written.contentEtags }],
      1,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VERIFICATION_FAILED', mismatches: [{ key: 'big.bin', actual: sha256Hex(other) }] });
    expect(proxy.requests.slice(from).filter((r) => r.startsWith('GET /sums/replaced/big.bin'))).toHaveLength(1);
  });

  it('a single put: the store refuses bytes that are not the SHA-256 sent, and HEAD answers the one it checked', async () => {
    const storage = store('r2', 'single');
    const body = Buffer.from('checked\n');
    const md5 = async () => createHash('md5').update(body).digest('hex');
    // The caller's MD5 spares the pre-read, so only the store's check of x-amz-checksum-sha256 stands between.
    await expect(storage.put('x', { data: body }, { sha256: sha256Hex('other'), md5, size: body.length })).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining('BadDigest'),
    });
    const written = await storage.put('x', { data: body }, { sha256: sha256Hex(body), size: body.length });
    expect(written.contentEtags).toContain(`sha256:${sha256Hex(body)}`);
    expect((await storage.stat('x'))?.checksum).toBe(`sha256:${sha256Hex(body)}`);
  });

  it('a completion whose answer was lost is recognised by its composite checksum, where the ETag is opaque', async () => {
    const options = { sha256: sha256Hex(data), size: data.length };
    const connect = (provider: S3Provider) =>
      new S3Storage({
        bucket: 'sums',
        prefix: 'lost',
        endpoint: proxy.url,
        provider,
        credentials: s3,
        partSize: 5 * MiB,
        retry: { attempts: 3, baseDelayMs: 1 },
      });
    const storage = connect('r2');
    proxy.loseCompletionAnswers = 1;
    const from = proxy.requests.length;
    const written = await storage.put('big.bin', { file }, options);
    // Sent again, told NoSuchUpload (the first completed it), then HEAD: the checksum is the one of the parts sent.
    const completions = proxy.requests.slice(from).filter((r) => r.startsWith('POST') && r.includes('uploadId='));
    expect(completions).toHaveLength(2);
    expect(written.contentEtags).toContain((await storage.stat('big.bin'))?.checksum);

    // Without checksum mode nothing tells the object is these bytes: the failure stands.
    proxy.loseCompletionAnswers = 1;
    await expect(connect('other').put('blind.bin', { file }, options)).rejects.toMatchObject({
      message: expect.stringContaining('NoSuchUpload'),
    });
  });
});
