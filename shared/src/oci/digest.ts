/** Digests of manifests held in memory, and a stream that checks a blob's digest as it passes. */
import { createHash } from 'node:crypto';
import { DigestMismatchError } from '../core/errors.ts';
import type { BlobStream } from './store.ts';

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Passes `source` through, failing at its end when the bytes are not `digest` (or not `size` long). */
export async function* verifiedStream(source: BlobStream, digest: string, subject: string, size?: number): BlobStream {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    length += chunk.length;
    yield chunk;
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) throw new DigestMismatchError(subject, digest, actual);
  if (size !== undefined && length !== size) throw new DigestMismatchError(subject, `${size} bytes`, `${length} bytes`);
}
