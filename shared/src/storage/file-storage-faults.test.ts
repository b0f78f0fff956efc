/**
 * The folder store's flush when fsync is slow or fails. No real file system here
 * can be made to fail an fsync on demand, so node:fs/promises is wrapped: a sync
 * of a path matching `slow` takes 300 ms, of `failing` throws EIO (once), and every
 * finished fsync and rename is recorded in order.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const events: string[] = [];
let slow: RegExp | undefined;
let failing: RegExp | undefined;
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    const target = String(args[0]);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      if (slow?.test(target)) await new Promise((resolve) => setTimeout(resolve, 300));
      if (failing?.test(target)) {
        failing = undefined;
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', syscall: 'fsync' });
      }
      await sync();
      events.push(`fsynced ${path.basename(target)}`);
    };
    return handle;
  };
  const rename = async (from: string, to: string) => {
    await real.rename(from, to);
    events.push(`renamed ${path.basename(to)}`);
  };
  return { ...real, default: { ...real, open, rename }, open, rename };
});

const { FileStorage } = await import('./file-storage.ts');
const put = (store: InstanceType<typeof FileStorage>, key: string, text: string, extra = {}) => {
  const data = Buffer.from(text);
  return store.put(key, { data }, { size: data.length, sha256: createHash('sha256').update(data).digest('hex'), ...extra });
};

describe('FileStorage flush, fsync slow or failing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'file-storage-faults-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  beforeEach(() => {
    events.length = 0;
    slow = undefined;
    failing = undefined;
  });

  it('a conditional write waits for a flush already running: the file is durable before the index names it', async () => {
    const store = new FileStorage(path.join(dir, 'wait'));
    await put(store, 'v1/kubectl', 'kubectl');
    slow = /kubectl$/;
    await Promise.all([store.flush(), put(store, 'v1/index.json', '{}', { ifNoneMatch: '*' })]);
    expect(events.indexOf('fsynced kubectl')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('fsynced kubectl')).toBeLessThan(events.indexOf('renamed index.json'));
  });

  it('a failed fsync fails the store for good, naming the file: no later flush or index write goes ahead', async () => {
    const store = new FileStorage(path.join(dir, 'fail'));
    await put(store, 'v1/kubectl', 'kubectl');
    failing = /kubectl$/;
    const error = await store.flush().catch((e: Error) => e);
    expect(error).toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining('v1/kubectl could not be made durable (fsync EIO)'),
    });
    await expect(store.flush()).rejects.toBe(error);
    await expect(put(store, 'v1/index.json', '{}', { ifNoneMatch: '*' })).rejects.toBe(error);
    expect(events).not.toContain('renamed index.json');
  });
});
