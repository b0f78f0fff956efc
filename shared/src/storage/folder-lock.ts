/**
 * An exclusive lock file for the folder store's compare-and-swap writes. The lock
 * holds a token of its holder, so that neither a holder's release nor another
 * writer's breaking of a stale lock removes a lock taken by someone else since:
 * a lock older than STALE_LOCK_MS (a writer killed while holding it) is moved
 * aside under a name of the breaker's own — one rename, so of several breakers
 * only one moves it — and deleted only if it is the very lock found stale;
 * a lock taken in between is put back.
 */
import { randomUUID } from 'node:crypto';
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sleep } from '../core/retry.ts';

/** Names the store keeps to itself: never a release file's (listing hides them). */
export const LOCK_MARK = '.lock-';
export const STALE_LOCK_MS = 30_000;

export interface SeenLock {
  token: string;
  mtimeMs: number;
}

async function look(lock: string): Promise<SeenLock | undefined> {
  try {
    const [token, info] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
    return { token, mtimeMs: info.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes the lock if it is still the one `seen` (found stale); a lock taken since stays. */
export async function breakStaleLock(lock: string, seen: SeenLock): Promise<void> {
  const aside = path.join(path.dirname(lock), `${LOCK_MARK}broken-${randomUUID()}-${path.basename(lock)}`);
  try {
    await rename(lock, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if ((await readFile(aside, 'utf8')) !== seen.token) {
      // Taken after we looked: back in place, unless yet another writer has taken it meanwhile.
      await link(aside, lock).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
  } finally {
    await rm(aside, { force: true });
  }
}

/** Takes the lock file, waiting for its holder (or breaking it once stale); resolves with its release. */
export async function takeFolderLock(lock: string): Promise<() => Promise<void>> {
  const token = randomUUID();
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lock, token, { flag: 'wx' });
      return async () => {
        if ((await look(lock))?.token === token) await rm(lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const seen = await look(lock);
      if (seen && Date.now() - seen.mtimeMs > STALE_LOCK_MS) await breakStaleLock(lock, seen);
      await sleep(Math.min(5 + attempt * 2, 50) + Math.random() * 10);
    }
  }
}
