/** One-pass streaming hashing: sha256, sha512 and sha1 from a single read. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
export class MultiHasher {
  #hashes = { sha256: createHash('sha256'), sha512: createHash('sha512'), sha1: createHash('sha1') };
  #size = 0;
  update(chunk) {
    this.#size += chunk.byteLength;
    this.#hashes.sha256.update(chunk);
    this.#hashes.sha512.update(chunk);
    this.#hashes.sha1.update(chunk);
  }
  digest() {
    return {
      size: this.#size,
      sha256: this.#hashes.sha256.digest('hex'),
      sha512: this.#hashes.sha512.digest('hex'),
      sha1: this.#hashes.sha1.digest('hex'),
    };
  }
}
export async function hashStream(stream) {
  const hasher = new MultiHasher();
  for await (const chunk of stream) hasher.update(chunk);
  return hasher.digest();
}
export function hashFile(path) {
  return hashStream(createReadStream(path, { highWaterMark: 1 << 20 }));
}
export function hashBytes(data) {
  const hasher = new MultiHasher();
  hasher.update(typeof data === 'string' ? Buffer.from(data) : data);
  return hasher.digest();
}
export function sha256Hex(data) {
  return createHash('sha256').update(data).digest('hex');
}
