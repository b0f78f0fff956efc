/** Small file-system helpers every domain needs. */
import { readFile, stat } from 'node:fs/promises';

/**
 * A file's bytes, or undefined when it does not exist (any other failure is thrown). Only a regular file is read: a
 * FIFO would block the read (and a thread-pool thread) until something writes to it, a device would never end.
 */
export async function readBytesIfExists(file: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(file)).isFile()) throw new Error(`${file} is not a regular file`);
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A text file's content (UTF-8), or undefined when it does not exist; see readBytesIfExists. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  return (await readBytesIfExists(file))?.toString('utf8');
}
