import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { FileStorage } from '../storage/file-storage.ts';
import type { ObjectInfo } from '../storage/storage.ts';
import { verifyObjects } from './verify.ts';

/** A folder that lists like S3: sizes and ETags, no digest; counts the stats. */
class S3LikeStorage extends FileStorage {
  stats = 0;
  etags = new Map<string, string>();
  override async stat(key: string): Promise<ObjectInfo | undefined> {
    this.stats++;
    return super.stat(key);
  }
  override async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Listed through a second view of the folder, so only read-backs count as stats.
    for await (const info of new FileStorage(this.root).list(prefix)) {
      const { sha256: _, ...rest } = info;
      yield { ...rest, etag: this.etags.get(info.key) ?? 'other' };
    }
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

const expected = (etag?: string) => objects.map((o) => ({ key: o.key, size: o.data.length, sha256: sha256Hex(o.data), etag }));

describe('verifyObjects', () => {
  it('takes the listing when its ETag is the one the upload returned (no per-object request)', async () => {
    for (const o of objects) store.etags.set(o.key, 'E1');
    await verifyObjects(store, expected('E1'), 4);
    expect(store.stats).toBe(0);
  });

  it('reads back on its own every object the listing cannot vouch for', async () => {
    store.etags.set('a/x', 'E1');
    await verifyObjects(store, expected('E1'), 4);
    expect(store.stats).toBe(2);
  });

  it('reports every object that differs, missing ones included', async () => {
    await store.delete('a/y');
    const wrong = expected();
    wrong[2] = { ...wrong[2]!, sha256: '0'.repeat(64) };
    const error = await verifyObjects(store, wrong, 4).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VERIFICATION_FAILED',
      mismatches: [
        { key: 'a/y', actual: 'missing' },
        { key: 'a/z', expected: '0'.repeat(64) },
      ],
    });
  });
});
