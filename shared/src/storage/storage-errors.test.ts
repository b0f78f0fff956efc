/** Refusals by the store come out as typed StorageErrors, at once (not retried). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { type AzuriteHandle, startAzurite } from '../testing/azurite.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { AzBlobStorage } from './azblob-storage.ts';
import { S3Storage } from './s3-storage.ts';
import type { Storage } from './storage.ts';

const data = Buffer.from('x');
const put = (storage: Storage) => storage.put('k', { data }, { sha256: sha256Hex(data), size: 1 });
const slowRetry = { attempts: 3, baseDelayMs: 5_000 };

describe('typed store refusals', () => {
  let s3: S3rverHandle;
  let azurite: AzuriteHandle;
  beforeAll(async () => {
    [s3, azurite] = await Promise.all([startS3rver({ buckets: ['present'] }), startAzurite()]);
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), azurite?.stop()]);
  });

  it('S3: an unknown access key and a missing bucket are STORAGE_ERRORs; a refused read names s3:ListBucket', async () => {
    const base = { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, retry: slowRetry };
    const badKey = new S3Storage({
      ...base,
      bucket: 'present',
      credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong' },
    });
    await expect(put(badKey)).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('HTTP 403') });
    // A refused read may be a key that does not exist, told as 403 to credentials that may not list the bucket.
    await expect(badKey.stat('k')).rejects.toMatchObject({ message: expect.stringContaining('s3:ListBucket on present') });
    await expect(put(badKey)).rejects.toMatchObject({ message: expect.not.stringContaining('ListBucket') });
    const noBucket = new S3Storage({ ...base, bucket: 'absent', credentials: s3 });
    await expect(put(noBucket)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining('s3://absent/k'),
    });
  });

  it('Azure: a wrong account key is a STORAGE_ERROR, a missing blob is undefined', async () => {
    const wrongKey = azurite.connectionString.replace(azurite.accountKey, Buffer.from('wrong key').toString('base64'));
    const bad = new AzBlobStorage({ connectionString: wrongKey, container: 'refused', retry: slowRetry });
    await expect(put(bad)).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('HTTP 403') });
    const good = new AzBlobStorage({ connectionString: azurite.connectionString, container: 'never-created' });
    expect(await good.stat('k')).toBeUndefined();
    expect(await good.read('k')).toBeUndefined();
    for await (const _ of good.list('')) throw new Error('an absent container lists nothing');
  });
});
