/**
 * File-system helpers every domain needs. Synchronous: for the files they are used on (signatures, checksums, reports,
 * manifests, SBOMs: bytes to a few megabytes), a round trip through libuv's thread pool costs more CPU than the read or
 * write itself, and it wakes threads on the cores that hashing needs.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A file's bytes, or undefined when it does not exist (any other failure is thrown). Only a regular file is read
 * (else an error with code ENOTREG naming the file): a device would never end, and a FIFO would block the read until
 * something wrote to it — so it is opened without blocking and checked once open.
 */
export function readBytesIfExists(file: string, { noFollow = false } = {}): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (noFollow ? (NO_FOLLOW ?? 0) : 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    if (!fstatSync(fd).isFile())
      throw Object.assign(new Error(`${path.basename(file)} is not a regular file`), { code: 'ENOTREG' });
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A text file's content (UTF-8), or undefined when it does not exist; see readBytesIfExists. */
export function readTextIfExists(file: string, options: { noFollow?: boolean } = {}): string | undefined {
  return readBytesIfExists(file, options)?.toString('utf8');
}

/**
 * Writes `content` atomically: a temporary file beside it, renamed into place, and removed when anything fails. The
 * temporary name is random, so nobody can plant it beforehand, and created exclusively ('wx': O_CREAT|O_EXCL, which
 * refuses any existing name, a symlink too): the bytes never go through a link to somewhere else.
 */
export function writeAtomic(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.tmp-${randomBytes(8).toString('hex')}`;
  const fd = openSync(tmp, 'wx');
  try {
    try {
      writeFileSync(fd, content);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
}

/** Writes `content` atomically unless the file already holds exactly these bytes; returns whether it wrote. */
export function writeIfChanged(file: string, content: string): boolean {
  const bytes = Buffer.from(content);
  if (readBytesIfExists(file)?.equals(bytes)) return false;
  writeAtomic(file, bytes);
  return true;
}

/**
 * O_NOFOLLOW: opening a symlink then fails with ELOOP (Linux, macOS). Undefined where the platform has none (Windows):
 * callers that rely on it check the link some other way there.
 */
export const NO_FOLLOW: number | undefined = constants.O_NOFOLLOW;
