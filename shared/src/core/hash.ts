/**
 * Hashing: files in one read on the hashing threads (hasher.ts), streams and bytes in place. SHA-256 and SHA-512 are
 * what a release publishes; MD5, asked for only where a store checks it, is made by the publisher (publish/source.ts).
 */
import { createHash } from 'node:crypto';
import { Hasher } from './hasher.ts';

/** The hasher of callers that pass none: threads at the caller's priority, started with the first file. */
export const defaultHasher = new Hasher();

export interface Digests {
  size: number;
  sha256: string;
  sha512: string;
}

/** SHA-256 and SHA-512 of a file, read once. */
export async function hashFile(file: string, hasher: Hasher = defaultHasher): Promise<Digests> {
  const { size, hex } = await hasher.hash(file, ['sha256', 'sha512']).result;
  const [sha256, sha512] = hex as [string, string];
  return { size, sha256, sha512 };
}

/** SHA-256 of a file (with its size), read once: for a store that keeps no digest of its own. */
export async function sha256File(file: string, hasher: Hasher = defaultHasher): Promise<{ size: number; sha256: string }> {
  const { size, hex } = await hasher.hash(file, ['sha256']).result;
  return { size, sha256: hex[0] as string };
}

export async function hashStream(stream: AsyncIterable<Uint8Array>): Promise<Digests> {
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    sha256.update(chunk);
    sha512.update(chunk);
  }
  return { size, sha256: sha256.digest('hex'), sha512: sha512.digest('hex') };
}

export function hashBytes(data: Uint8Array | string): Digests {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return {
    size: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sha512: createHash('sha512').update(bytes).digest('hex'),
  };
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
