/** One-pass streaming hashing: sha256, sha512 and sha1 from a single read. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface Digests {
  size: number;
  sha256: string;
  sha512: string;
  sha1: string;
}

export type Algorithm = 'sha256' | 'sha512' | 'sha1';

export class MultiHasher {
  readonly #hashes = { sha256: createHash('sha256'), sha512: createHash('sha512'), sha1: createHash('sha1') };
  #size = 0;
  update(chunk: Uint8Array): void {
    this.#size += chunk.byteLength;
    this.#hashes.sha256.update(chunk);
    this.#hashes.sha512.update(chunk);
    this.#hashes.sha1.update(chunk);
  }
  digest(): Digests {
    return {
      size: this.#size,
      sha256: this.#hashes.sha256.digest('hex'),
      sha512: this.#hashes.sha512.digest('hex'),
      sha1: this.#hashes.sha1.digest('hex'),
    };
  }
}

export async function hashStream(stream: AsyncIterable<Uint8Array>): Promise<Digests> {
  const hasher = new MultiHasher();
  for await (const chunk of stream) hasher.update(chunk);
  return hasher.digest();
}

export function hashFile(path: string): Promise<Digests> {
  return hashStream(createReadStream(path, { highWaterMark: 1 << 20 }));
}

export function hashBytes(data: Uint8Array | string): Digests {
  const hasher = new MultiHasher();
  hasher.update(typeof data === 'string' ? Buffer.from(data) : data);
  return hasher.digest();
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
