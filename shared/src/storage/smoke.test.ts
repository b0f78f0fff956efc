/** The live smoke test's checks, run here against the loopback stores (a live run needs real credentials). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteHandle, startAzurite } from '../testing/azurite.ts';
import { startS3ChecksumProxy } from '../testing/s3-checksum-proxy.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { AzBlobStorage } from './azblob-storage.ts';
import { FileStorage } from './file-storage.ts';
import { S3Storage } from './s3-storage.ts';
import { smokeTable, smokeTest } from './smoke.ts';

const MiB = 1024 * 1024;

describe('smoke test', () => {
  let s3: S3rverHandle;
  let azurite: AzuriteHandle;
  let dir: string;
  beforeAll(async () => {
    [s3, azurite] = await Promise.all([startS3rver({ buckets: ['smoke'] }), startAzurite()]);
    dir = await mkdtemp(path.join(tmpdir(), 'smoke-'));
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), azurite?.stop(), rm(dir, { recursive: true, force: true })]);
  });

  it('every check holds on azurite and a folder, and nothing is left behind', async () => {
    for (const storage of [
      new AzBlobStorage({ connectionString: azurite.connectionString, container: 'smoke', partSize: 5 * MiB }),
      new FileStorage(dir),
    ]) {
      const report = await smokeTest(storage, { multipartBytes: 11 * MiB });
      expect(report.rows.filter((r) => !r.ok)).toEqual([]);
      expect(report.capabilities).toMatchObject({ conditionalCreate: true, conditionalReplace: true });
      for await (const info of storage.list('')) throw new Error(`left behind: ${info.key}`);
    }
  });

  it('s3rver: the conditional checks show it ignores the conditions; the table says so', async () => {
    const storage = new S3Storage({ bucket: 'smoke', endpoint: s3.endpoint, credentials: s3, partSize: 5 * MiB });
    const report = await smokeTest(storage, { multipartBytes: 11 * MiB });
    // s3rver answers a PUT before its file is flushed (its filesystem store resolves on the body's `finish`), so a
    // read right after may find the object empty: s3rver's race, seen once in several loaded runs, not pinned here.
    const raced = (outcome: string) => outcome === 'reads ""';
    expect(report.rows.filter((r) => !r.ok && !raced(r.outcome)).map((r) => [r.check, r.outcome])).toEqual([
      ['conditional create of an existing key is refused', 'ignored: the write succeeded'],
      ['conditional replace with a stale ETag is refused', 'ignored: the write succeeded'],
      ['conditional create of an existing key, as a large file, is refused', 'ignored: the write succeeded'],
    ]);
    // s3rver's multipart ETag is the whole object's MD5: it proves the upload without a download.
    expect(report.rows.find((r) => r.check.includes('without a download'))?.outcome).toBe('holds');
    expect(smokeTable(report)).toMatch(/\| conditional create \| false \|/);
  });

  it('an R2-like store (opaque multipart ETags, checksum mode, conditions on PUT only): every check holds', async () => {
    // Behind the proxy shaped after AWS's documented checksum and conditional-write behaviour (s3rver has neither).
    const proxy = await startS3ChecksumProxy({ target: s3.endpoint, opaqueMultipartEtags: true, conditions: 'put' });
    try {
      const storage = new S3Storage({ bucket: 'smoke', endpoint: proxy.url, credentials: s3, provider: 'r2', partSize: 5 * MiB });
      const report = await smokeTest(storage, { multipartBytes: 11 * MiB });
      expect(report.rows.filter((r) => !r.ok)).toEqual([]);
      expect(smokeTable(report)).toMatch(/\| conditions enforced up to \| 5368709120 bytes \(one PUT\) \|/);
    } finally {
      await proxy.stop();
    }
  });
});
