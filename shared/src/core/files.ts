/** Small file-system helpers every domain needs. */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';

/**
 * A file's bytes, or undefined when it does not exist (any other failure is thrown). Only a regular file is read
 * (else an error with code ENOTREG naming the file): a device would never end, and a FIFO would block the read (and a
 * thread-pool thread) until something wrote to it — so it is opened without blocking and checked once open.
 */
export async function readBytesIfExists(file: string, { noFollow = false } = {}): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (noFollow ? (NO_FOLLOW ?? 0) : 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    if (!(await handle.stat()).isFile())
      throw Object.assign(new Error(`${path.basename(file)} is not a regular file`), { code: 'ENOTREG' });
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** A text file's content (UTF-8), or undefined when it does not exist; see readBytesIfExists. */
export async function readTextIfExists(file: string, options: { noFollow?: boolean } = {}): Promise<string | undefined> {
  return (await readBytesIfExists(file, options))?.toString('utf8');
}

/**
 * O_NOFOLLOW: opening a symlink then fails with ELOOP (Linux, macOS). Undefined where the platform has none (Windows):
 * callers that rely on it check the link some other way there.
 */
export const NO_FOLLOW: number | undefined = constants.O_NOFOLLOW;
