/** Capabilities: the probe against stores that enforce, ignore and refuse conditional writes. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { type AzuriteHandle, startAzurite } from '../testing/azurite.ts';
import { startFaultProxy } from '../testing/fault-proxy.ts';
import { startS3ChecksumProxy } from '../testing/s3-checksum-proxy.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { AzBlobStorage } from './azblob-storage.ts';
import { missingGuarantees, PROBE_FOLDER, probeConditionalWrites } from './capabilities.ts';
import { FileStorage } from './file-storage.ts';
import { MAX_SINGLE_PUT, S3Storage } from './s3-storage.ts';
import type { Storage } from './storage.ts';

async function keys(storage: Storage): Promise<string[]> {
  const found: string[] = [];
  for await (const info of storage.list('')) found.push(info.key);
  return found;
}

describe('store capabilities', () => {
  let s3: S3rverHandle;
  let azurite: AzuriteHandle;
  let dir: string;
  beforeAll(async () => {
    [s3, azurite] = await Promise.all([startS3rver({ buckets: ['probed', 'refusing'] }), startAzurite()]);
    dir = await mkdtemp(path.join(tmpdir(), 'capabilities-'));
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), azurite?.stop(), rm(dir, { recursive: true, force: true })]);
  });

  it('s3rver ignores conditional writes: the probe says so, once per store per run, and leaves no key behind', async () => {
    const requests: string[] = [];
    const proxy = await startFaultProxy({
      target: s3.endpoint,
      failureRate: 0,
      seed: 1,
      observe: (req) => requests.push(`${req.method} ${req.url}`),
    });
    try {
      const storage = () => new S3Storage({ bucket: 'probed', prefix: 'p', endpoint: proxy.url, credentials: s3 });
      const capabilities = await storage().capabilities();
      expect(capabilities).toMatchObject({ conditionalCreate: false, conditionalReplace: false, established: 'probed' });
      expect(capabilities.notes.join('\n')).toMatch(/ignores the condition/);
      expect(missingGuarantees(capabilities)).toHaveLength(2);
      // A second store on the same bucket and prefix in this run asks nothing more.
      const asked = requests.length;
      expect(await storage().capabilities()).toBe(capabilities);
      expect(requests.length).toBe(asked);
      expect(await keys(storage())).toEqual([]);
      expect(requests.filter((r) => r.includes(PROBE_FOLDER)).every((r) => r.includes('/probed/p/'))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('a store answering 501 to conditional writes: asked once (no retry), recorded as not supported', async () => {
    const proxy = await startFaultProxy({
      target: s3.endpoint,
      failureRate: 0,
      seed: 1,
      refuse: (req) =>
        req.method === 'PUT' && (req.headers['if-none-match'] || req.headers['if-match'])
          ? {
              status: 501,
              code: 'NotImplemented',
              message: 'A header you provided implies functionality that is not implemented',
            }
          : undefined,
    });
    try {
      const storage = new S3Storage({ bucket: 'refusing', endpoint: proxy.url, credentials: s3 });
      const capabilities = await storage.capabilities();
      expect(capabilities).toMatchObject({ conditionalCreate: false, conditionalReplace: false });
      expect(capabilities.notes.filter((n) => n.includes('501 Not Implemented'))).toHaveLength(2);
      // One conditional create and one conditional replace, each refused once: nothing retried.
      expect(proxy.stats.refused).toBe(2);
      const data = Buffer.from('x');
      await expect(storage.put('k', { data }, { sha256: sha256Hex(data), size: 1, ifNoneMatch: '*' })).rejects.toMatchObject({
        code: 'NOT_SUPPORTED',
        message: expect.stringContaining('does not support conditional writes'),
      });
      expect(proxy.stats.refused).toBe(3);
    } finally {
      await proxy.stop();
    }
  });

  it('azurite and a folder keep full compare-and-swap, as declared and as probed', async () => {
    const stores: Storage[] = [
      new AzBlobStorage({ connectionString: azurite.connectionString, container: 'capabilities' }),
      new FileStorage(dir),
    ];
    for (const storage of stores) {
      expect(missingGuarantees(await storage.capabilities())).toEqual([]);
      expect(await probeConditionalWrites(storage)).toEqual({ conditionalCreate: true, conditionalReplace: true, notes: [] });
      expect(await keys(storage)).toEqual([]);
    }
  });

  /**
   * s3rver checks no conditions, so these run behind s3-checksum-proxy.ts, which checks If-None-Match / If-Match
   * against the current object as AWS documents them: on PutObject only (as DigitalOcean Spaces and some Ceph
   * releases do) or on CompleteMultipartUpload too. Requests are counted at the proxy.
   */
  describe.each([
    ['PUT only', 'put', MAX_SINGLE_PUT],
    ['PUT and completion', 'all', undefined],
  ] as const)('a store that honours conditions on %s', (_, conditions, upTo) => {
    it('is probed for completion conditions, and a conditional large file is refused over an existing key', async () => {
      const proxy = await startS3ChecksumProxy({ target: s3.endpoint, conditions });
      const work = await mkdtemp(path.join(tmpdir(), 'capabilities-large-'));
      try {
        const storage = new S3Storage({
          bucket: 'probed',
          prefix: `completion-${conditions}`,
          endpoint: proxy.url,
          credentials: s3,
          partSize: 5 * 1024 * 1024,
        });
        const capabilities = await storage.capabilities();
        expect(capabilities).toMatchObject({ conditionalCreate: true, conditionalReplace: true });
        expect(capabilities.conditionalUpTo).toBe(upTo);
        expect(missingGuarantees(capabilities)).toEqual([]);
        expect(capabilities.notes.some((n) => n.includes('CompleteMultipartUpload'))).toBe(upTo !== undefined);
        // The PUT probe (3 writes, a delete) and the completion probe (PUT, create, part, complete, delete), whose
        // upload is aborted when the completion is refused.
        expect(proxy.requests).toHaveLength(upTo === undefined ? 10 : 9);
        expect(await keys(storage)).toEqual([]);

        const data = randomBytes(6 * 1024 * 1024);
        const file = path.join(work, 'large');
        await writeFile(file, data);
        const options = { sha256: sha256Hex(data), size: data.length };
        await storage.put('large', { file }, options);
        const from = proxy.requests.length;
        await expect(storage.put('large', { file }, { ...options, ifNoneMatch: '*' })).rejects.toMatchObject({
          code: 'PRECONDITION_FAILED',
        });
        // Where completion ignores the condition, the file went up in one conditional PUT, never in parts.
        const multipart = proxy.requests.slice(from).some((r) => r.includes('?uploads'));
        expect(multipart).toBe(upTo === undefined);
      } finally {
        await proxy.stop();
        await rm(work, { recursive: true, force: true });
      }
    });
  });

  it("DigitalOcean Spaces' profile says completion ignores conditions: no completion probe", async () => {
    const proxy = await startS3ChecksumProxy({ target: s3.endpoint, conditions: 'put' });
    try {
      const storage = new S3Storage({
        bucket: 'probed',
        prefix: 'spaces',
        endpoint: proxy.url,
        credentials: s3,
        provider: 'spaces',
      });
      expect(await storage.capabilities()).toMatchObject({ conditionalCreate: true, conditionalUpTo: MAX_SINGLE_PUT });
      expect(proxy.requests.filter((r) => r.includes('uploads'))).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});
