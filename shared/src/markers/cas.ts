/**
 * Compare-and-swap of one small object through the Storage interface: read it,
 * let `step` decide from what it holds, write conditionally on the ETag read
 * (`If-None-Match: *` when it did not exist). A lost race re-reads and re-decides,
 * a bounded number of times — unless the object now holds exactly what this write
 * sent: a write whose answer was lost landed, and its retry found its own ETag gone.
 * An object read without an ETag is never overwritten (that would be a blind write).
 */
import { sha256Hex } from '../core/hash.ts';
import { sleep } from '../core/retry.ts';
import { PreconditionFailedError, type Storage, StorageError } from '../storage/storage.ts';
import { ContendedError } from './errors.ts';

export interface CasStep<T> {
  /** The new content, or undefined to leave the object as it is. */
  write: Uint8Array | undefined;
  result: T;
}

export interface CasOptions {
  contentType: string;
  cacheControl: string;
  /**
   * Write without conditions (concurrency-guard: none on a store that cannot compare-and-swap): the workflow's
   * concurrency group is the guard; the object is still read and decided first.
   */
  unconditional?: boolean;
  /** Attempts in all (default 16): each lost race costs one. */
  attempts?: number;
  onLostRace?: (attempt: number) => void;
}

export async function compareAndSwap<T>(
  storage: Storage,
  key: string,
  step: (content: string | undefined) => Promise<CasStep<T>> | CasStep<T>,
  options: CasOptions,
): Promise<{ result: T; written: boolean }> {
  const attempts = options.attempts ?? 16;
  for (let attempt = 1; ; attempt++) {
    const current = await storage.read(key);
    const { write, result } = await step(current?.data.toString('utf8'));
    if (write === undefined) return { result, written: false };
    if (current && !current.info.etag && !options.unconditional)
      throw new StorageError(
        `${storage.location}: ${key} was read without an ETag, so it cannot be replaced only if unchanged; not writing it blind`,
      );
    try {
      await storage.put(
        key,
        { data: write },
        {
          sha256: sha256Hex(write),
          size: write.byteLength,
          contentType: options.contentType,
          cacheControl: options.cacheControl,
          ...(options.unconditional ? {} : current ? { ifMatch: current.info.etag } : { ifNoneMatch: '*' }),
        },
      );
      return { result, written: true };
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      const now = await storage.read(key);
      if (now && Buffer.compare(now.data, write) === 0) return { result, written: true };
      if (attempt >= attempts) throw new ContendedError(key, attempts, error);
      options.onLostRace?.(attempt);
      // Stryker disable next-line all: the jitter only spreads writers out in time, which no test reads.
      await sleep(Math.random() * Math.min(500, 10 * 2 ** attempt));
    }
  }
}
