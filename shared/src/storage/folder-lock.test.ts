import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../core/retry.ts';
import { breakStaleLock, STALE_LOCK_MS, takeFolderLock } from './folder-lock.ts';

let dir: string;
let lock: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'folder-lock-'));
  lock = path.join(dir, '.lock-stable.txt');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A lock left by a writer killed long ago. */
async function staleLock(token = 'killed-writer'): Promise<void> {
  await writeFile(lock, token);
  const old = new Date(Date.now() - STALE_LOCK_MS - 60_000);
  await utimes(lock, old, old);
}

describe('the folder lock', () => {
  it('waits for its holder, and a release removes only its own lock', async () => {
    const release = await takeFolderLock(lock);
    let second = false;
    const next = takeFolderLock(lock).then((r) => {
      second = true;
      return r;
    });
    await sleep(50);
    expect(second).toBe(false);
    await release();
    const releaseNext = await next;
    // Released twice (a retry, say): the lock now held by the second writer stays.
    await release();
    expect(await readdir(dir)).toEqual(['.lock-stable.txt']);
    await releaseNext();
    expect(await readdir(dir)).toEqual([]);
  });

  it('breaks a stale lock, but never one taken after it was found stale', async () => {
    await staleLock();
    const seen = { token: 'killed-writer', mtimeMs: 0 };
    await writeFile(lock, 'live-writer');
    await breakStaleLock(lock, seen);
    expect(await readFile(lock, 'utf8')).toBe('live-writer');
    expect(await readdir(dir)).toEqual(['.lock-stable.txt']);

    await staleLock();
    await breakStaleLock(lock, seen);
    expect(await readdir(dir)).toEqual([]);
  });

  it('lets one writer at a time through when several find the same stale lock', async () => {
    for (let round = 0; round < 5; round++) {
      await staleLock();
      let holders = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const release = await takeFolderLock(lock);
          holders++;
          most = Math.max(most, holders);
          await sleep(15);
          holders--;
          await release();
        }),
      );
      expect(most).toBe(1);
      expect(await readdir(dir)).toEqual([]);
    }
  });
});
