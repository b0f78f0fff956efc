import { describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { FileStorage } from '../storage/file-storage.ts';
import type { Body, PutOptions, Storage, WrittenInfo } from '../storage/storage.ts';
import type { PlannedObject } from './plan.ts';
import type { ReleaseFile } from './source.ts';
import { uploadPlanned } from './upload.ts';

/** A store that records what it was asked, and asks for the MD5 of what it sends in one request. */
function store(md5UpTo: number | undefined, asked: string[]): Storage {
  return {
    location: 'test://',
    md5UpTo,
    urlFor: (key) => `test://${key}`,
    capabilities: () => new FileStorage('/nonexistent').capabilities(),
    stat: async () => undefined,
    read: async () => undefined,
    stream: async () => (async function* () {})(),
    async put(key: string, _body: Body, options: PutOptions): Promise<WrittenInfo> {
      if (md5UpTo !== undefined && options.size <= md5UpTo) await options.md5?.();
      asked.push(key);
      return { key, size: options.size, etag: '', sha256: options.sha256 };
    },
    async *list() {},
    delete: async () => {},
  };
}

function planned(sizes: number[], md5s: string[], ready = async () => {}): PlannedObject[] {
  return sizes.map((size, i) => {
    const path = `f${i}`;
    const file: ReleaseFile = {
      path,
      size,
      sha256: 'x',
      checked: async () => 'y',
      ready,
      md5: async () => {
        md5s.push(path);
        return 'm';
      },
      body: { data: Buffer.alloc(0) },
      generated: false,
    };
    return { file, key: path, url: path, action: 'upload', reason: 'new' };
  });
}

const settings = { concurrency: 2, cacheControl: 'no-cache', contentTypeOf: () => 'application/octet-stream' };

describe('uploads', () => {
  it('asks for the MD5 of every file the store sends in one request, and of no other', async () => {
    const md5s: string[] = [];
    const uploaded: string[] = [];
    const objects = planned([5, 50, 5, 5, 50, 5, 5, 5], md5s);
    await uploadPlanned(store(10, uploaded), objects, settings, new RecordingLogger());
    expect(uploaded.sort()).toEqual(objects.map((o) => o.key).sort());
    expect([...new Set(md5s)].sort()).toEqual(['f0', 'f2', 'f3', 'f5', 'f6', 'f7']);
  });

  it('sends the largest files first, each only once the claims about it hold', async () => {
    const uploaded: string[] = [];
    await uploadPlanned(store(10, uploaded), planned([5, 50, 7, 60], []), { ...settings, concurrency: 1 }, new RecordingLogger());
    expect(uploaded).toEqual(['f3', 'f1', 'f2', 'f0']);

    const refused = planned([5, 50], [], async () => {
      throw new Error('a .sha512 disagrees');
    });
    const none: string[] = [];
    await expect(uploadPlanned(store(10, none), refused, settings, new RecordingLogger())).rejects.toThrow('a .sha512 disagrees');
    expect(none).toEqual([]);
  });

  it('gives a slot only to a file whose MD5 is made: what is ready goes while the others are hashed', async () => {
    const uploaded: string[] = [];
    const objects = planned([50, 40, 5, 6], []);
    // The two large files' MD5s take a while (a read each); the small ones' are made at once (held in memory).
    let release = () => {};
    const hashed = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const o of objects.slice(0, 2)) o.file.md5 = () => hashed.then(() => 'm');
    const done = uploadPlanned(store(100, uploaded), objects, settings, new RecordingLogger());
    // No I/O anywhere: one turn of the event loop runs every upload whose MD5 is made.
    await new Promise(setImmediate);
    expect(uploaded).toEqual(['f3', 'f2']);
    release();
    await done;
    expect(uploaded).toEqual(['f3', 'f2', 'f0', 'f1']);
  });

  it('makes no MD5 for a store that sends none', async () => {
    const md5s: string[] = [];
    await uploadPlanned(store(undefined, []), planned([5, 5, 5], md5s), settings, new RecordingLogger());
    expect(md5s).toEqual([]);
  });
});
