/**
 * Reads a file in parts for a multipart upload with bounded memory: parts are read
 * in order (so one hasher sees the whole file once), at most `concurrency` parts of
 * one file are in flight, and every part buffer holds one of the store's PartSlots,
 * which bounds memory across all files going up at once. The first failure stops
 * the reading.
 */
import { open } from 'node:fs/promises';
import { StorageError } from './storage.ts';
import { type UploadDigest, UploadHasher } from './upload-digest.ts';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 64 * 1024 * 1024;
export const DEFAULT_PART_CONCURRENCY = 4;
/** Part buffers alive at once per store, across every file (8 × 64 MiB = 512 MiB by default). */
export const DEFAULT_PARTS_IN_MEMORY = 8;

/** A counting semaphore for part buffers. */
export class PartSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(limit: number) {
    this.#free = Math.max(1, limit);
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

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
  slots: PartSlots;
}

async function readPart(handle: Awaited<ReturnType<typeof open>>, file: string, data: Buffer, offset: number): Promise<void> {
  for (let filled = 0; filled < data.length; ) {
    const { bytesRead } = await handle.read(data, filled, data.length - filled, offset + filled);
    if (bytesRead === 0) throw new StorageError(`${file} ended at ${offset + filled} bytes while it was being uploaded`);
    filled += bytesRead;
  }
}

/** Calls `upload` for every part; returns the digest of the whole file as read. */
export async function forEachFilePart(
  file: string,
  { size, partSize, concurrency, slots }: PartReadOptions,
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
      await slots.acquire();
      const data = Buffer.allocUnsafe(Math.min(partSize, size - offset));
      try {
        await readPart(handle, file, data, offset);
      } catch (err) {
        slots.release();
        throw err;
      }
      hasher.update(data);
      const task: Promise<void> = upload({ number, offset, data })
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          slots.release();
          inFlight.delete(task);
        });
      inFlight.add(task);
    }
  } finally {
    await Promise.all(inFlight);
    await handle.close();
  }
  if (failure) throw failure.error;
  return hasher.digest();
}
