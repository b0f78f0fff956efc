import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { type Body, type ObjectInfo, PreconditionFailedError, type PutOptions } from '../storage/storage.ts';
import { compareAndSwap } from './cas.ts';

/** A FileStorage where another writer slips in before each of our first `interleave` puts. */
class InterleavedStorage extends FileStorage {
  interleave = 0;
  readonly conditions: PutOptions[] = [];
  override async put(key: string, body: Body, options: PutOptions): Promise<ObjectInfo> {
    this.conditions.push(options);
    if (this.interleave > 0) {
      this.interleave--;
      const data = Buffer.from(`v1.31.${10 + this.interleave}`);
      await super.put(key, { data }, { sha256: sha256Hex(data), size: data.length });
    }
    return super.put(key, body, options);
  }
}

const META = { contentType: 'text/plain', cacheControl: 'no-cache' };
let dir: string;
let storage: InterleavedStorage;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cas-'));
  storage = new InterleavedStorage(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Sets the object to `value` unless it already holds something. */
const setIfAbsentOr = (value: string) => (content: string | undefined) => ({
  write: content === value ? undefined : Buffer.from(value),
  result: content,
});

describe('compareAndSwap', () => {
  it('creates with If-None-Match: * and replaces with If-Match on the ETag read', async () => {
    await compareAndSwap(storage, 'm.txt', setIfAbsentOr('a'), META);
    await compareAndSwap(storage, 'm.txt', setIfAbsentOr('b'), META);
    expect(storage.conditions[0]).toMatchObject({ ifNoneMatch: '*', contentType: 'text/plain', cacheControl: 'no-cache' });
    expect(storage.conditions[1]).toMatchObject({ ifMatch: sha256Hex('a') });
    expect((await storage.read('m.txt'))?.data.toString()).toBe('b');
  });

  it('counts a write whose answer was lost as written: its retry lost to itself', async () => {
    await compareAndSwap(storage, 'm.txt', setIfAbsentOr('a'), META);
    const landsThenLost = new (class extends FileStorage {
      override async put(key: string, body: Body, options: PutOptions): Promise<ObjectInfo> {
        await super.put(key, body, options);
        throw new PreconditionFailedError(this.location, key);
      }
    })(dir);
    const { result, written } = await compareAndSwap(landsThenLost, 'm.txt', setIfAbsentOr('b'), META);
    expect({ result, written }).toEqual({ result: 'a', written: true });
    expect((await storage.read('m.txt'))?.data.toString()).toBe('b');
  });

  it('refuses to replace an object the store gave no ETag for', async () => {
    await compareAndSwap(storage, 'm.txt', setIfAbsentOr('a'), META);
    const noEtag = new (class extends FileStorage {
      override async read(key: string) {
        const found = await super.read(key);
        return found && { ...found, info: { ...found.info, etag: '' } };
      }
    })(dir);
    await expect(compareAndSwap(noEtag, 'm.txt', setIfAbsentOr('b'), META)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining('without an ETag'),
    });
    expect((await storage.read('m.txt'))?.data.toString()).toBe('a');
  });

  it('writes nothing when the step says so', async () => {
    await compareAndSwap(storage, 'm.txt', setIfAbsentOr('a'), META);
    const { written } = await compareAndSwap(storage, 'm.txt', setIfAbsentOr('a'), META);
    expect(written).toBe(false);
    expect(storage.conditions).toHaveLength(1);
  });

  it('after a lost race re-reads and decides again from the new value', async () => {
    storage.interleave = 2;
    const seen: (string | undefined)[] = [];
    const lost: number[] = [];
    const { result, written } = await compareAndSwap(
      storage,
      'm.txt',
      (content) => {
        seen.push(content);
        return { write: Buffer.from('mine'), result: content };
      },
      { ...META, onLostRace: (attempt) => lost.push(attempt) },
    );
    expect(seen).toEqual([undefined, 'v1.31.11', 'v1.31.10']);
    expect(lost).toEqual([1, 2]);
    expect({ result, written }).toEqual({ result: 'v1.31.10', written: true });
    expect((await storage.read('m.txt'))?.data.toString()).toBe('mine');
  });

  it('gives up with PRECONDITION_FAILED after the bounded attempts', async () => {
    storage.interleave = 100;
    const attempt = compareAndSwap(storage, 'm.txt', () => ({ write: Buffer.from('mine'), result: undefined }), {
      ...META,
      attempts: 3,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', key: 'm.txt' });
    await expect(attempt).rejects.toHaveProperty('cause', expect.any(PreconditionFailedError));
    expect(storage.conditions).toHaveLength(3);
  });

  it('sends the digest and size of what it writes, and gives up after 16 attempts by default', async () => {
    storage.interleave = 100;
    const error = await compareAndSwap(storage, 'm.txt', () => ({ write: Buffer.from('mine'), result: undefined }), META).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringContaining('after 16 compare-and-swap') });
    expect(storage.conditions).toHaveLength(16);
    expect(storage.conditions[0]).toMatchObject({ sha256: sha256Hex('mine'), size: 4 });
    expect(storage.conditions[1]).toMatchObject({ ifMatch: sha256Hex('v1.31.109') });
  });

  it('rethrows any other failure of the write at once', async () => {
    const refused = new Error('disk full');
    const failing = new (class extends FileStorage {
      puts = 0;
      override async put(): Promise<ObjectInfo> {
        this.puts++;
        throw refused;
      }
    })(dir);
    await expect(compareAndSwap(failing, 'm.txt', setIfAbsentOr('a'), META)).rejects.toBe(refused);
    expect(failing.puts).toBe(1);
  });

  it('creates the object again when it vanished after a lost race', async () => {
    await compareAndSwap(storage, 'm.txt', setIfAbsentOr('a'), META);
    let lost = false;
    const vanishing = new (class extends FileStorage {
      readonly conditions: PutOptions[] = [];
      override async put(key: string, body: Body, options: PutOptions): Promise<ObjectInfo> {
        this.conditions.push(options);
        if (!lost) {
          lost = true;
          await this.delete(key);
          throw new PreconditionFailedError(this.location, key);
        }
        return super.put(key, body, options);
      }
    })(dir);
    const { written } = await compareAndSwap(vanishing, 'm.txt', setIfAbsentOr('b'), META);
    expect(written).toBe(true);
    expect(vanishing.conditions.map((c) => c.ifNoneMatch ?? c.ifMatch)).toEqual([sha256Hex('a'), '*']);
    expect((await storage.read('m.txt'))?.data.toString()).toBe('b');
  });
});
