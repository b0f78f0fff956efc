/**
 * One read per file: the bytes stream once through every sink that needs them
 * (the SHA-256/SHA-512 digests, a signature, a signature check), so a release of
 * several gigabytes is never held in memory nor read twice.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface ChunkSink {
  update(chunk: Uint8Array): void;
}

export async function readInto(file: string, sinks: readonly ChunkSink[]): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    for (const sink of sinks) sink.update(chunk as Buffer);
  }
}

export interface ArtifactDigests {
  size: number;
  sha256: string;
  sha512: string;
}

/** SHA-256 and SHA-512 of the streamed bytes. */
export class DigestSink implements ChunkSink {
  readonly #sha256 = createHash('sha256');
  readonly #sha512 = createHash('sha512');
  #size = 0;
  update(chunk: Uint8Array): void {
    this.#size += chunk.byteLength;
    this.#sha256.update(chunk);
    this.#sha512.update(chunk);
  }
  digests(): ArtifactDigests {
    return { size: this.#size, sha256: this.#sha256.digest('hex'), sha512: this.#sha512.digest('hex') };
  }
}
