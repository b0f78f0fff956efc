/**
 * An exclusive lock file: the folder store's compare-and-swap writes, the release
 * manifest's read-modify-write.
 *
 * - Taking it is creating it exclusively (O_EXCL), holding a token of the holder.
 * - While held, the holder rewrites its token every third of the stale age, so a
 *   live lock never looks stale.
 * - A lock whose last touch is older than the stale age (its holder was killed) is
 *   broken — by one writer at a time: a breaker first takes the lock's own break
 *   file exclusively, then looks at the lock and removes it only if it is stale.
 *   While a lock exists nobody can take it, and no other breaker can act, so a
 *   lock taken after another was found stale is never removed. (A holder stalled
 *   for longer than the stale age, a paused machine say, loses its lock this way.)
 * - Ages are measured on the file system's clock (the break file's own
 *   modification time), not the local one: a client clock ahead of an NFS
 *   server's does not make fresh locks look stale.
 * - Release removes the lock only while it still holds the holder's token.
 */
import { randomUUID } from 'node:crypto';
import { open, rm, stat, writeFile } from 'node:fs/promises';
import { sleep } from './retry.ts';

export interface LockTiming {
  /** Age past which a lock (or a break file) is taken for abandoned. */
  staleMs: number;
}

const DEFAULT_TIMING: LockTiming = { staleMs: 30_000 };

interface SeenLock {
  mtimeMs: number;
  token: string;
}

/** The lock's age and token, both from one open file (not a newer lock's token with an older one's age). */
async function inspect(lock: string): Promise<SeenLock | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lock, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const info = await handle.stat();
    return { mtimeMs: info.mtimeMs, token: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}

/** Creates the file exclusively; false if it exists. */
async function create(file: string, content: string): Promise<boolean> {
  try {
    await writeFile(file, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** A break file is held for a few file operations: one older than this (on the local clock) belongs to a dead breaker. */
const BREAKER_STALE_FACTOR = 10;

/** Removes the lock if it is stale, one breaker at a time (see the module comment). */
export async function breakIfStale(lock: string, timing: LockTiming = DEFAULT_TIMING): Promise<void> {
  const breaker = `${lock}.break`;
  if (!(await create(breaker, ''))) {
    const age = await stat(breaker).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > timing.staleMs * BREAKER_STALE_FACTOR) await rm(breaker, { force: true });
    return;
  }
  try {
    const now = (await stat(breaker)).mtimeMs;
    const seen = await inspect(lock);
    // Nobody can take the lock while it exists, and no other breaker is at work: the stale lock seen is the one removed.
    if (seen && now - seen.mtimeMs > timing.staleMs) await rm(lock, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

/** Rewrites the holder's token in place: the file system stamps it with its own clock. Not once the lock is another's. */
async function touch(lock: string, token: string): Promise<void> {
  const handle = await open(lock, 'r+').catch(() => undefined);
  if (!handle) return;
  try {
    if ((await handle.readFile('utf8')) === token) await handle.write(token, 0);
  } finally {
    await handle.close();
  }
}

/** Takes the lock file, waiting for its holder (or breaking it once stale); resolves with its release. */
export async function takeLockFile(lock: string, timing: LockTiming = DEFAULT_TIMING): Promise<() => Promise<void>> {
  const token = randomUUID();
  for (let attempt = 0; ; attempt++) {
    if (await create(lock, token)) {
      const keepFresh = setInterval(() => touch(lock, token).catch(() => {}), timing.staleMs / 3);
      keepFresh.unref();
      return async () => {
        clearInterval(keepFresh);
        if ((await inspect(lock))?.token === token) await rm(lock, { force: true });
      };
    }
    await breakIfStale(lock, timing);
    await sleep(Math.min(5 + attempt * 2, 50) + Math.random() * 10);
  }
}
