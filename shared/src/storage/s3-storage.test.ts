import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { S3Storage } from './s3-storage.ts';

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
