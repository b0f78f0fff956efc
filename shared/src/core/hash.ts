/**
 * Hashing: files on worker threads in one read (hash-workers.ts), streams and
 * bytes in place. SHA-256 and SHA-512 are what a release publishes; MD5, asked for
 * only where a store checks it (Content-MD5, S3 ETags), is made by the publisher
 * on the workers directly (publish/source.ts).
 */
import { createHash } from 'node:crypto';
import { hashWorkers } from './hash-workers.ts';

export interface Digests {
  size: number;
  sha256: string;
  sha512: string;
}

/** SHA-256 and SHA-512 of a file, read once on a worker thread. */
export async function hashFile(file: string): Promise<Digests> {
  const { size, hex } = await hashWorkers.hash(file, ['sha256', 'sha512']);
  const [sha256, sha512] = hex as [string, string];
  return { size, sha256, sha512 };
}

/** SHA-256 of a file (with its size), read once on a worker thread: for a store that keeps no digest of its own. */
export async function sha256File(file: string): Promise<{ size: number; sha256: string }> {
  const { size, hex } = await hashWorkers.hash(file, ['sha256']);
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
