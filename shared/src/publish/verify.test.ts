import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { FileStorage } from '../storage/file-storage.ts';
import type { ObjectInfo } from '../storage/storage.ts';
import { type Expected, verifyObjects } from './verify.ts';

/**
 * A folder that answers like S3: listings and HEADs carry the size and an ETag (the MD5 of the bytes held, unless
 * set otherwise), listings no digest; HEADs report the `sha256` metadata recorded at upload, which is only what the
 * uploader declared. Counts HEADs and GETs.
 */
class S3LikeStorage extends FileStorage {
  heads = 0;
  gets = 0;
  /** ETags of another form (e.g. SSE-KMS), by key. */
  etags = new Map<string, string>();
  /** The `sha256` metadata, by key (what the upload declared). */
  declared = new Map<string, string>();

  async #asS3(info: ObjectInfo): Promise<ObjectInfo> {
    const { sha256: _, ...rest } = info;
    const md5 = createHash('md5')
      .update((await new FileStorage(this.root).read(info.key))?.data ?? '')
      .digest('hex');
    return { ...rest, etag: `"${this.etags.get(info.key) ?? md5}"` };
  }
  override async stat(key: string): Promise<ObjectInfo | undefined> {
    this.heads++;
    const info = await super.stat(key);
    return info && { ...(await this.#asS3(info)), sha256: this.declared.get(key) ?? info.sha256 };
  }
  override async stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    this.gets++;
    return super.stream(key);
  }
  override async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const info of new FileStorage(this.root).list(prefix)) yield this.#asS3(info);
  }
}

const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex');

/** A folder: its listing carries each object's SHA-256 (as Azure's metadata and GitHub's digest do). Counts stats. */
class CountingFolder extends FileStorage {
  stats = 0;
  override async stat(key: string): Promise<ObjectInfo | undefined> {
    this.stats++;
    return super.stat(key);
  }
  override list(prefix: string): AsyncIterable<ObjectInfo> {
    return new FileStorage(this.root).list(prefix);
  }
}

let dir: string;
let store: S3LikeStorage;
const objects = ['a/x', 'a/y', 'a/z'].map((key) => ({ key, data: Buffer.from(`content of ${key}`) }));

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verify-'));
  store = new S3LikeStorage(dir);
  for (const o of objects) await store.put(o.key, { data: o.data }, { sha256: sha256Hex(o.data), size: o.data.length });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** As publish expects them after an S3 upload: the content ETags computed from the bytes sent. */
const expected = (): Expected[] =>
  objects.map((o) => ({ key: o.key, size: o.data.length, sha256: sha256Hex(o.data), contentEtags: [md5Hex(o.data)] }));

describe('verifyObjects', () => {
  it('takes the listing when its ETag is the MD5 of the bytes sent (no per-object request)', async () => {
    await verifyObjects(store, expected(), 4);
    expect({ heads: store.heads, gets: store.gets }).toEqual({ heads: 0, gets: 0 });
  });

  it('reads back whole an object whose ETag has another form (e.g. SSE-KMS), and passes it when its bytes are right', async () => {
    store.etags.set('a/x', 'kms-0000');
    await verifyObjects(store, expected(), 4);
    expect({ heads: store.heads, gets: store.gets }).toEqual({ heads: 1, gets: 1 });
  });

  it('fails an object whose ETag differs even when its declared sha256 metadata claims the expected digest', async () => {
    const other = Buffer.from('other bytes of the same..');
    await writeFile(path.join(dir, 'a/y'), other.subarray(0, objects[1]!.data.length));
    store.declared.set('a/y', sha256Hex(objects[1]!.data));
    const error = await verifyObjects(store, expected(), 4).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VERIFICATION_FAILED',
      mismatches: [{ key: 'a/y', expected: sha256Hex(objects[1]!.data) }],
    });
    expect(store.gets).toBe(1);
  });

  it('where ETags are version tokens (no content ETags), takes the digest the store reports', async () => {
    store.etags.set('a/x', 'v1');
    const plain = expected().map(({ contentEtags: _, ...rest }) => rest);
    await verifyObjects(store, plain, 4);
    expect({ heads: store.heads, gets: store.gets }).toEqual({ heads: 3, gets: 0 });
  });

  it("takes the SHA-256 a listing carries, unless content ETags were expected: then the store's own digest is asked", async () => {
    const folder = new CountingFolder(dir);
    await verifyObjects(
      folder,
      expected().map(({ contentEtags: _, ...rest }) => rest),
      4,
    );
    expect(folder.stats).toBe(0);
    await verifyObjects(folder, expected(), 4);
    expect(folder.stats).toBe(3);
  });

  it('reports every object that differs, missing ones included', async () => {
    await store.delete('a/y');
    const wrong = expected();
    wrong[2] = { ...wrong[2]!, sha256: '0'.repeat(64), contentEtags: [] };
    const error = await verifyObjects(store, wrong, 4).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VERIFICATION_FAILED',
      mismatches: [
        { key: 'a/y', actual: 'missing' },
        { key: 'a/z', expected: '0'.repeat(64) },
      ],
    });
  });

  it('sends no listing for one object, and stats every object of a store that cannot list', async () => {
    const lists: string[] = [];
    const counting = new (class extends S3LikeStorage {
      override async *list(prefix: string): AsyncIterable<ObjectInfo> {
        lists.push(prefix);
        yield* super.list(prefix);
      }
    })(dir);
    await verifyObjects(counting, expected().slice(0, 1), 4);
    expect({ lists, heads: counting.heads }).toEqual({ lists: [], heads: 1 });
    await verifyObjects(counting, expected().slice(0, 2), 4);
    expect({ lists, heads: counting.heads }).toEqual({ lists: ['a'], heads: 1 });
    const unlisted = new (class extends S3LikeStorage {
      // biome-ignore lint/correctness/useYield: a listing refused before its first object
      override async *list(): AsyncIterable<ObjectInfo> {
        throw new Error('AuthorizationPermissionMismatch');
      }
    })(dir);
    await verifyObjects(unlisted, expected(), 4);
    expect({ heads: unlisted.heads, gets: unlisted.gets }).toEqual({ heads: 3, gets: 0 });
  });

  it('fails an object of another size, as a size, even when the listing has its ETag', async () => {
    const longer = Buffer.from('content of a/x and more');
    await writeFile(path.join(dir, 'a/x'), longer);
    const wrong = expected();
    wrong[0] = { ...wrong[0]!, contentEtags: [md5Hex(longer)] };
    await expect(verifyObjects(store, wrong, 4)).rejects.toMatchObject({
      mismatches: [{ key: 'a/x', expected: `${objects[0]!.data.length} bytes`, actual: `${longer.length} bytes` }],
    });
  });

  it('takes the digest of a listing that has one (a folder), and looks again at one that differs', async () => {
    const folder = new FileStorage(dir);
    const plain = expected().map(({ contentEtags: _, ...rest }) => rest);
    await verifyObjects(folder, plain, 4);
    plain[1] = { ...plain[1]!, sha256: '1'.repeat(64) };
    await expect(verifyObjects(folder, plain, 4)).rejects.toMatchObject({
      location: folder.location,
      mismatches: [{ key: 'a/y', expected: '1'.repeat(64), actual: sha256Hex(objects[1]!.data) }],
    });
  });

  it('hashes the content where neither a content ETag nor a reported digest can vouch for it', async () => {
    const noDigest = new (class extends S3LikeStorage {
      override async stat(key: string): Promise<ObjectInfo | undefined> {
        const info = await super.stat(key);
        if (!info) return undefined;
        const { sha256: _, ...rest } = info;
        return rest;
      }
    })(dir);
    noDigest.etags.set('a/x', 'v1');
    const plain = expected().map(({ contentEtags: _, ...rest }) => rest);
    await verifyObjects(noDigest, [plain[0]!], 4);
    expect({ heads: noDigest.heads, gets: noDigest.gets }).toEqual({ heads: 1, gets: 1 });
    await writeFile(path.join(dir, 'a/x'), Buffer.from('CONTENT OF A/X'));
    await expect(verifyObjects(noDigest, [plain[0]!], 4)).rejects.toMatchObject({
      mismatches: [{ key: 'a/x', actual: sha256Hex('CONTENT OF A/X') }],
    });
  });
});
