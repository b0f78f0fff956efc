import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../core/retry.ts';
import { breakIfStale, takeLockFile } from './lock-file.ts';

let dir: string;
let lock: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lock-file-'));
  lock = path.join(dir, '.lock-stable.txt');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A lock left by a writer killed an hour ago. */
async function abandonedLock(): Promise<void> {
  await writeFile(lock, 'killed-writer');
  const old = new Date(Date.now() - 3_600_000);
  await utimes(lock, old, old);
}

describe('the folder lock', () => {
  it('waits for its holder, and a release removes only its own lock', async () => {
    const release = await takeLockFile(lock);
    let second = false;
    const next = takeLockFile(lock).then((r) => {
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

  it('breaks an abandoned lock, but never one whose holder is alive, however long it holds it', async () => {
    await abandonedLock();
    await (await takeLockFile(lock))();

    // A holder rewrites its lock every third of the stale age: a second is slack enough for a loaded machine's timers.
    const timing = { staleMs: 1_000 };
    const held = await takeLockFile(lock, timing);
    let taken = false;
    const other = takeLockFile(lock, timing).then((release) => {
      taken = true;
      return release;
    });
    // Three stale ages later the holder has kept it fresh: nobody else got it.
    await sleep(3_000);
    expect(taken).toBe(false);
    await held();
    await (await other)();
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves the lock alone while another writer is breaking it, and a fresh lock always', async () => {
    await abandonedLock();
    await writeFile(`${lock}.break`, '');
    await breakIfStale(lock);
    expect(await readFile(lock, 'utf8')).toBe('killed-writer');
    await rm(`${lock}.break`);

    await writeFile(lock, 'live-writer');
    await breakIfStale(lock);
    expect(await readFile(lock, 'utf8')).toBe('live-writer');

    await abandonedLock();
    await breakIfStale(lock);
    expect(await readdir(dir)).toEqual([]);
  });

  it('lets one writer at a time through when several find the same abandoned lock', async () => {
    for (let round = 0; round < 5; round++) {
      await abandonedLock();
      let holders = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const release = await takeLockFile(lock);
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
