import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashStream } from '../core/hash.ts';
import { RecordingLogger } from '../core/logger.ts';
import { S3Storage } from '../storage/s3-storage.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { publishBinaries } from './publish.ts';
import { key, publishOptions } from './publish-options.fixture.ts';
import type { IndexDocument } from './release-index.ts';
import { makeReleaseTree } from './release-tree.fixture.ts';

const TARGET = 'bin/linux/amd64/kubectl';
const digest = (algorithm: string, data: Uint8Array) => createHash(algorithm).update(data).digest('hex');
let work: string;
let s3: S3rverHandle;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-rerun-'));
  s3 = await startS3rver({ buckets: ['corrupt', 'intact'] });
});
afterAll(async () => {
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

function store(bucket: string): S3Storage {
  const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  return new S3Storage({ bucket, endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials });
}

/**
 * What an earlier run leaves on a store that checks no Content-MD5 (s3rver) when its body was corrupted on the way:
 * other bytes of the same size under the `sha256` metadata it declared for the file's own.
 */
async function plantCorrupt(storage: S3Storage, data: Buffer): Promise<void> {
  const bad = Buffer.from(data);
  bad[100] = (bad[100] as number) ^ 0xff;
  await storage.put(
    key(TARGET),
    { data: bad },
    { sha256: digest('sha256', data), size: bad.length, md5: async () => digest('md5', bad) },
  );
}

describe('a rerun over an object an earlier run wrote', () => {
  it('uploads again an object whose stored bytes are not the ones its sha256 metadata declares', async () => {
    const source = path.join(work, 'corrupt');
    await makeReleaseTree(source, { binaries: 2 });
    const storage = store('corrupt');
    await plantCorrupt(storage, await readFile(path.join(source, TARGET)));

    const result = await publishBinaries(publishOptions(source, storage), new RecordingLogger());
    const planned = result.destinations[0]?.plan.objects.find((o) => o.file.path === TARGET);
    expect(planned).toMatchObject({ action: 'upload', reason: 'changed' });
    const index = JSON.parse((await storage.read(key('index.json')))?.data.toString() ?? '{}') as IndexDocument;
    for (const file of index.files)
      expect((await hashStream(await storage.stream(key(file.path)))).sha256, file.path).toBe(file.sha256);
  });

  it('skips an intact object by the store MD5 ETag, without reading it back', async () => {
    const source = path.join(work, 'intact');
    await makeReleaseTree(source, { binaries: 2 });
    const storage = store('intact');
    const data = await readFile(path.join(source, TARGET));
    await storage.put(key(TARGET), { data }, { sha256: digest('sha256', data), size: data.length });
    let streamed = 0;
    const counting = new Proxy(storage, {
      get(target, name) {
        if (name === 'stream') streamed++;
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    const result = await publishBinaries(publishOptions(source, counting), new RecordingLogger());
    const planned = result.destinations[0]?.plan.objects.find((o) => o.file.path === TARGET);
    expect(planned).toMatchObject({ action: 'skip', reason: 'equal' });
    expect(streamed).toBe(0);
  });
});
