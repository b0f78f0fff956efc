/**
 * One contract for every Storage backend, each against a real store on loopback:
 * FileStorage (a temp dir), S3Storage (s3rver), AzBlobStorage (azurite), GcsStorage (the JSON API fake,
 * testing/gcs-api.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { startAzurite } from '../testing/azurite.ts';
import { startGcsApi } from '../testing/gcs-api.ts';
import { startS3rver } from '../testing/s3rver.ts';
import { AzBlobStorage } from './azblob-storage.ts';
import { isContentEtag } from './content-etag.ts';
import { FileStorage } from './file-storage.ts';
import { GcsStorage } from './gcs-storage.ts';
import { S3Storage } from './s3-storage.ts';
import { PreconditionFailedError, type Storage } from './storage.ts';

const MiB = 1024 * 1024;

interface Backend {
  name: string;
  /** Called once; returns a fresh, empty store. */
  start(): Promise<{ storage: Storage; stop(): Promise<void> }>;
  /** The store enforces If-Match / If-None-Match. */
  cas: boolean;
  /** Concurrent writes of one key leave one of them whole (S3, Azure, a rename); s3rver writes in place. */
  atomicReplace: boolean;
  /** The store keeps Content-Type and Cache-Control. */
  keepsHeaders: boolean;
  /** The store's ETags derive from the stored bytes (S3's MD5s), and put answers them. */
  contentEtags: boolean;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'storage-contract-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function fileWith(name: string, data: Uint8Array): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, data);
  return file;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function keys(storage: Storage, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const info of storage.list(prefix)) found.push(info.key);
  return found.sort();
}

function putBytes(storage: Storage, key: string, data: Uint8Array, extra: { ifMatch?: string; ifNoneMatch?: '*' } = {}) {
  return storage.put(key, { data }, { sha256: sha256Hex(data), size: data.length, ...extra });
}

function storageContract(backend: Backend): void {
  describe(`Storage contract: ${backend.name}`, () => {
    let storage: Storage;
    let stop: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, stop } = await backend.start());
    });
    afterAll(async () => {
      await stop?.();
    });

    it('puts from a file and from bytes; stat, read and stream agree', async () => {
      const fromFile = randomBytes(70_000);
      const file = await fileWith(`${backend.name}-small.bin`, fromFile);
      const put = await storage.put('basic/file.bin', { file }, { sha256: sha256Hex(fromFile), size: fromFile.length });
      const info = await storage.stat('basic/file.bin');
      expect(info).toMatchObject({ key: 'basic/file.bin', size: fromFile.length, sha256: sha256Hex(fromFile), etag: put.etag });

      const fromBytes = Buffer.from('{"hello":"world"}\n');
      await putBytes(storage, 'basic/bytes.json', fromBytes);
      const read = await storage.read('basic/bytes.json');
      expect(read?.data.equals(fromBytes)).toBe(true);
      expect(read?.info).toMatchObject({ size: fromBytes.length, sha256: sha256Hex(fromBytes) });
      expect((await collect(await storage.stream('basic/file.bin'))).equals(fromFile)).toBe(true);

      const empty = await fileWith(`${backend.name}-empty.bin`, new Uint8Array());
      await storage.put('basic/empty', { file: empty }, { sha256: sha256Hex(''), size: 0 });
      expect(await storage.stat('basic/empty')).toMatchObject({ size: 0, sha256: sha256Hex('') });

      expect(await storage.stat('basic/missing')).toBeUndefined();
      expect(await storage.read('basic/missing')).toBeUndefined();
      expect(storage.urlFor('basic/file.bin')).toMatch(/basic\/file\.bin$/);
    });

    it('lists nested keys under a prefix, and deletes', async () => {
      for (const key of ['tree/a', 'tree/b/c', 'tree/b/d/e', 'treetop', 'other/x'])
        await putBytes(storage, key, Buffer.from(key));
      expect(await keys(storage, 'tree')).toEqual(['tree/a', 'tree/b/c', 'tree/b/d/e']);
      expect(await keys(storage, 'tree/b')).toEqual(['tree/b/c', 'tree/b/d/e']);
      expect(await keys(storage, 'nothing-here')).toEqual([]);
      for await (const info of storage.list('tree/b')) expect(info.size).toBe(info.key.length);

      await storage.delete('tree/b/c');
      await storage.delete('tree/never-existed');
      expect(await storage.stat('tree/b/c')).toBeUndefined();
      expect(await keys(storage, 'tree')).toEqual(['tree/a', 'tree/b/d/e']);
    });

    it('keeps keys that need escaping in a URL or in XML as they are: put, stat, read, list across pages, delete', async () => {
      const odd = ['odd/a b&c+d~é.txt', 'odd/100%.txt', "odd/(1)'!*=;.txt", 'odd/<tag>.txt'];
      for (const key of odd) await putBytes(storage, key, Buffer.from(key));
      for (const key of odd) {
        expect(await storage.stat(key)).toMatchObject({ key, size: Buffer.byteLength(key) });
        expect((await storage.read(key))?.data.toString()).toBe(key);
      }
      expect(await keys(storage, 'odd')).toEqual([...odd].sort());
      for (const key of odd) await storage.delete(key);
      expect(await keys(storage, 'odd')).toEqual([]);
    });

    it('lists a key ending in .lock like any other, and a conditional write leaves nothing of its own beside it', async () => {
      await putBytes(storage, 'locks/deps.lock', Buffer.from('pinned'));
      await putBytes(storage, 'locks/marker', Buffer.from('v1'), { ifNoneMatch: '*' });
      expect(await keys(storage, 'locks')).toEqual(['locks/deps.lock', 'locks/marker']);
    });

    it('refuses a body whose sha256 disagrees, leaving nothing (or the old object) visible', async () => {
      const body = Buffer.from('actual content');
      await expect(
        storage.put('bad/new', { data: body }, { sha256: sha256Hex('other'), size: body.length }),
      ).rejects.toMatchObject({ code: expect.stringMatching(/^(DIGEST_MISMATCH|STORAGE_ERROR)$/) });
      expect(await storage.stat('bad/new')).toBeUndefined();

      const file = await fileWith(`${backend.name}-bad.bin`, body);
      await putBytes(storage, 'bad/existing', Buffer.from('old'));
      await expect(
        storage.put('bad/existing', { file }, { sha256: sha256Hex('other'), size: body.length }),
      ).rejects.toMatchObject({
        code: expect.stringMatching(/^(DIGEST_MISMATCH|STORAGE_ERROR)$/),
      });
      expect((await storage.read('bad/existing'))?.data.toString()).toBe('old');
      expect(await keys(storage, 'bad')).toEqual(['bad/existing']);
    });

    it.runIf(backend.keepsHeaders)('round-trips Content-Type and Cache-Control', async () => {
      const data = Buffer.from('{}');
      await storage.put(
        'headers/index.json',
        { data },
        {
          sha256: sha256Hex(data),
          size: data.length,
          contentType: 'application/json',
          cacheControl: 'no-cache',
        },
      );
      expect(await storage.stat('headers/index.json')).toMatchObject({
        contentType: 'application/json',
        cacheControl: 'no-cache',
      });
    });

    it('uploads a file of several read chunks in one request, byte for byte', async () => {
      const data = randomBytes(3 * MiB + 777);
      const file = await fileWith(`${backend.name}-chunks.bin`, data);
      await storage.put('single/chunks.bin', { file }, { sha256: sha256Hex(data), size: data.length });
      expect(sha256Hex(await collect(await storage.stream('single/chunks.bin')))).toBe(sha256Hex(data));
    });

    it('uploads a file larger than the part size in parts, and refuses a bad one without a trace', async () => {
      const big = randomBytes(12 * MiB + 12_345);
      const file = await fileWith(`${backend.name}-big.bin`, big);
      await storage.put('multi/big.bin', { file }, { sha256: sha256Hex(big), size: big.length });
      expect(await storage.stat('multi/big.bin')).toMatchObject({ size: big.length, sha256: sha256Hex(big) });
      expect(sha256Hex(await collect(await storage.stream('multi/big.bin')))).toBe(sha256Hex(big));

      await expect(storage.put('multi/bad.bin', { file }, { sha256: sha256Hex('x'), size: big.length })).rejects.toMatchObject({
        code: expect.stringMatching(/^(DIGEST_MISMATCH|STORAGE_ERROR)$/),
      });
      expect(await storage.stat('multi/bad.bin')).toBeUndefined();
    });

    it("takes the caller's MD5 instead of reading the file first, and still refuses a file of another size", async () => {
      const data = randomBytes(70_000);
      const file = await fileWith(`${backend.name}-hashed.bin`, data);
      const md5 = createHash('md5').update(data).digest('hex');
      const digests = { sha256: sha256Hex(data), md5: async () => md5 };
      await storage.put('hashed/file.bin', { file }, { ...digests, size: data.length });
      expect(await storage.stat('hashed/file.bin')).toMatchObject({ size: data.length, sha256: digests.sha256 });
      await expect(storage.put('hashed/short.bin', { file }, { ...digests, size: data.length + 1 })).rejects.toMatchObject({
        code: 'DIGEST_MISMATCH',
      });
      expect(await storage.stat('hashed/short.bin')).toBeUndefined();
    });

    it.runIf(backend.contentEtags)('answers the content ETags the store then reports, in one part and in many', async () => {
      const small = randomBytes(70_000);
      const big = randomBytes(11 * MiB);
      for (const [key, data] of [
        ['etag/small.bin', small],
        ['etag/big.bin', big],
      ] as const) {
        const file = await fileWith(`${backend.name}-${path.basename(key)}`, data);
        const put = await storage.put(key, { file }, { sha256: sha256Hex(data), size: data.length });
        expect(isContentEtag((await storage.stat(key))?.etag ?? '', put.contentEtags)).toBe(true);
        for await (const listed of storage.list('etag')) {
          if (listed.key === key) expect(isContentEtag(listed.etag, put.contentEtags)).toBe(true);
        }
      }
    });

    // s3rver writes an object's file in place, so two completes at once can interleave there; S3 itself replaces
    // objects atomically. The upload side (parts, one complete per writer) is the same code on every S3 store.
    it.runIf(backend.atomicReplace)('leaves one whole version when two writers upload parts of one key at once', async () => {
      const one = randomBytes(6 * MiB);
      const two = randomBytes(6 * MiB);
      const files = await Promise.all([
        fileWith(`${backend.name}-race-one.bin`, one),
        fileWith(`${backend.name}-race-two.bin`, two),
      ]);
      await Promise.all(
        [one, two].map((data, i) =>
          storage.put('race/big.bin', { file: files[i]! }, { sha256: sha256Hex(data), size: data.length }),
        ),
      );
      const stored = sha256Hex(await collect(await storage.stream('race/big.bin')));
      expect([sha256Hex(one), sha256Hex(two)]).toContain(stored);
      expect((await storage.stat('race/big.bin'))?.sha256).toBe(stored);
    });

    // s3rver ignores If-Match / If-None-Match (every conditional write succeeds there), so
    // compare-and-swap is proven against azurite and FileStorage only.
    it.runIf(backend.cas)('compare-and-swap: create once, stale If-Match loses, fresh If-Match wins', async () => {
      const first = await putBytes(storage, 'cas/marker', Buffer.from('v1'), { ifNoneMatch: '*' });
      await expect(putBytes(storage, 'cas/marker', Buffer.from('v1b'), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      const second = await putBytes(storage, 'cas/marker', Buffer.from('v2'), { ifMatch: first.etag });
      await expect(putBytes(storage, 'cas/marker', Buffer.from('v3'), { ifMatch: first.etag })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
      expect((await storage.read('cas/marker'))?.data.toString()).toBe('v2');
      await putBytes(storage, 'cas/marker', Buffer.from('v3'), { ifMatch: second.etag });
      expect((await storage.read('cas/marker'))?.data.toString()).toBe('v3');
    });

    it.runIf(backend.cas)('compare-and-swap holds for uploads in parts too', async () => {
      const one = randomBytes(6 * MiB);
      const two = Buffer.concat([one.subarray(1), Buffer.from('!')]);
      const [fileOne, fileTwo] = await Promise.all([
        fileWith(`${backend.name}-cas-one.bin`, one),
        fileWith(`${backend.name}-cas-two.bin`, two),
      ]);
      const optionsOne = { sha256: sha256Hex(one), size: one.length };
      const first = await storage.put('cas/big.bin', { file: fileOne }, { ...optionsOne, ifNoneMatch: '*' });
      await expect(storage.put('cas/big.bin', { file: fileOne }, { ...optionsOne, ifNoneMatch: '*' })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      await storage.put('cas/big.bin', { file: fileTwo }, { sha256: sha256Hex(two), size: two.length, ifMatch: first.etag });
      await expect(storage.put('cas/big.bin', { file: fileOne }, { ...optionsOne, ifMatch: first.etag })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect((await storage.stat('cas/big.bin'))?.sha256).toBe(sha256Hex(two));
    });

    it.runIf(backend.cas)('20 concurrent compare-and-swap increments of one counter end at exactly 20', async () => {
      const increment = async (): Promise<void> => {
        for (;;) {
          const current = await storage.read('cas/counter');
          const next = Buffer.from(String(Number(current?.data.toString() ?? '0') + 1));
          try {
            await putBytes(storage, 'cas/counter', next, current ? { ifMatch: current.info.etag } : { ifNoneMatch: '*' });
            return;
          } catch (err) {
            if (!(err instanceof PreconditionFailedError)) throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: 20 }, increment));
      expect((await storage.read('cas/counter'))?.data.toString()).toBe('20');
    });
  });
}

storageContract({
  name: 'FileStorage',
  cas: true,
  atomicReplace: true,
  keepsHeaders: false,
  contentEtags: false,
  start: async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'file-storage-'));
    return { storage: new FileStorage(root), stop: () => rm(root, { recursive: true, force: true }) };
  },
});

storageContract({
  name: 'S3Storage (s3rver)',
  cas: false,
  atomicReplace: false,
  keepsHeaders: true,
  contentEtags: true,
  start: async () => {
    const server = await startS3rver({ buckets: ['releases'] });
    const storage = new S3Storage({
      bucket: 'releases',
      prefix: 'mirror/one',
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: server,
      partSize: 5 * MiB,
      listPageSize: 2, // listings cross pages
    });
    return { storage, stop: server.stop };
  },
});

storageContract({
  name: 'AzBlobStorage (azurite)',
  cas: true,
  atomicReplace: true,
  keepsHeaders: true,
  contentEtags: false,
  start: async () => {
    const server = await startAzurite();
    const storage = new AzBlobStorage({
      connectionString: server.connectionString,
      container: 'releases',
      prefix: 'mirror/one',
      partSize: 5 * MiB,
      listPageSize: 2, // listings cross pages
    });
    return { storage, stop: server.stop };
  },
});

storageContract({
  name: 'GcsStorage (GCS JSON API, local)',
  cas: true,
  atomicReplace: true,
  keepsHeaders: true,
  contentEtags: false,
  start: async () => {
    const server = await startGcsApi({ buckets: ['releases'] });
    const storage = new GcsStorage({
      bucket: 'releases',
      prefix: 'mirror/one',
      apiUrl: server.url,
      token: async () => server.accessToken,
      partSize: 5 * MiB,
      listPageSize: 2, // listings cross pages
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    return { storage, stop: server.stop };
  },
});
