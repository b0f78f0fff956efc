/** Small file-system helpers every domain needs. */
import { readFile } from 'node:fs/promises';

/** A text file's content, or undefined when it does not exist (any other failure is thrown). */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
