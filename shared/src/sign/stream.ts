/**
 * One read per file: the bytes stream once through every sink that needs them
 * (the SHA-256/SHA-512 digests, a signature, a signature check), so a release of
 * several gigabytes is never held in memory nor read twice.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { sha512Worker } from './sha512-worker.ts';

export interface ChunkSink {
  update(chunk: Uint8Array): void;
}

/** Streams the file through `sinks`, then hands each chunk to `digest` (which takes it over: it goes last). */
export async function readInto(file: string, digest: DigestSink, sinks: readonly ChunkSink[] = []): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    for (const sink of sinks) sink.update(chunk as Buffer);
    digest.take(chunk as Buffer);
    await digest.drain();
  }
}

export interface ArtifactDigests {
  size: number;
  sha256: string;
  sha512: string;
}

/** SHA-256 (here) and SHA-512 (on the worker thread) of the streamed bytes. */
export class DigestSink {
  readonly #sha256 = createHash('sha256');
  readonly #sha512 = sha512Worker.job();
  #size = 0;
  /** Hashes a chunk and passes it on to the SHA-512 worker: the caller must not touch it afterwards. */
  take(chunk: Uint8Array): void {
    this.#size += chunk.byteLength;
    this.#sha256.update(chunk);
    this.#sha512.update(chunk);
  }
  drain(): Promise<void> | undefined {
    return this.#sha512.drain();
  }
  async digests(): Promise<ArtifactDigests> {
    return { size: this.#size, sha256: this.#sha256.digest('hex'), sha512: await this.#sha512.digest() };
  }
}
