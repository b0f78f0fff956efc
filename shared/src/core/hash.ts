/**
 * Hashing: files on worker threads in one read (hash-workers.ts), streams and
 * bytes in place. SHA-256 and SHA-512 are what a release publishes; MD5 is asked
 * for only where a store checks it (Content-MD5, S3 ETags).
 */
import { createHash } from 'node:crypto';
import { hashWorkers } from './hash-workers.ts';

export interface Digests {
  size: number;
  sha256: string;
  sha512: string;
}

export interface DigestsWithMd5 extends Digests {
  /** Hex. */
  md5: string;
}

/** SHA-256 and SHA-512 (and MD5 when asked) of a file, read once on a worker thread. */
export function hashFile(file: string): Promise<Digests>;
export function hashFile(file: string, options: { md5: true }): Promise<DigestsWithMd5>;
export async function hashFile(file: string, options?: { md5?: boolean }): Promise<Digests | DigestsWithMd5> {
  const { size, hex } = await hashWorkers.hash(file, options?.md5 ? ['sha256', 'sha512', 'md5'] : ['sha256', 'sha512']);
  const [sha256, sha512, md5] = hex as [string, string, string?];
  return md5 === undefined ? { size, sha256, sha512 } : { size, sha256, sha512, md5 };
}

/** SHA-256 of a file (with its size), read once on a worker thread: for a store that keeps no digest of its own. */
export async function sha256File(file: string): Promise<{ size: number; sha256: string }> {
  const { size, hex } = await hashWorkers.hash(file, ['sha256']);
  return { size, sha256: hex[0] as string };
}

/**
 * MD5 (hex) of a file, with its size and SHA-256 from the same read on a worker thread: whoever sends the MD5 with
 * bytes hashed earlier can tell they are still the same bytes.
 */
export async function md5File(file: string): Promise<{ size: number; sha256: string; md5: string }> {
  const { size, hex } = await hashWorkers.hash(file, ['sha256', 'md5']);
  const [sha256, md5] = hex as [string, string];
  return { size, sha256, md5 };
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
