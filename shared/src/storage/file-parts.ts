/**
 * Reads a file in parts for a multipart upload with bounded memory: parts are read
 * in order (so one hasher sees the whole file once), and at most `concurrency`
 * parts are in flight, each its own buffer. The first failure stops the reading.
 */
import { open } from 'node:fs/promises';
import { type UploadDigest, UploadHasher } from './upload-digest.ts';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 64 * 1024 * 1024;
export const DEFAULT_PART_CONCURRENCY = 4;

export interface FilePart {
  /** 1-based, in file order. */
  number: number;
  offset: number;
  data: Buffer;
}

export interface PartReadOptions {
  size: number;
  partSize: number;
  concurrency: number;
}

/** Calls `upload` for every part; returns the digest of the whole file as read. */
export async function forEachFilePart(
  file: string,
  { size, partSize, concurrency }: PartReadOptions,
  upload: (part: FilePart) => Promise<void>,
): Promise<UploadDigest> {
  const hasher = new UploadHasher();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const handle = await open(file, 'r');
  try {
    for (let number = 1, offset = 0; offset < size && !failure; number++, offset += partSize) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure) break;
      const data = Buffer.allocUnsafe(Math.min(partSize, size - offset));
      for (let filled = 0; filled < data.length; ) {
        const { bytesRead } = await handle.read(data, filled, data.length - filled, offset + filled);
        if (bytesRead === 0) throw new Error(`${file} ended at ${offset + filled} bytes, expected ${size}`);
        filled += bytesRead;
      }
      hasher.update(data);
      const task: Promise<void> = upload({ number, offset, data }).then(
        () => {
          inFlight.delete(task);
        },
        (error: unknown) => {
          inFlight.delete(task);
          failure ??= { error };
        },
      );
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.all(inFlight);
    await handle.close();
  }
  if (failure) throw failure.error;
  return hasher.digest();
}
