/**
 * The digests an upload sends for the store to check: MD5 (Content-MD5, the check
 * every S3-compatible store and Azure verify) and SHA-256 (the digest we promise),
 * both from one streaming read. `assertDigest` refuses a body before anything is sent.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DigestMismatchError } from '../core/errors.ts';

export interface UploadDigest {
  size: number;
  sha256: string;
  md5: Buffer;
}

export class UploadHasher {
  readonly #sha256 = createHash('sha256');
  readonly #md5 = createHash('md5');
  #size = 0;
  update(chunk: Uint8Array): void {
    this.#size += chunk.byteLength;
    this.#sha256.update(chunk);
    this.#md5.update(chunk);
  }
  digest(): UploadDigest {
    return { size: this.#size, sha256: this.#sha256.digest('hex'), md5: this.#md5.digest() };
  }
}

export async function uploadDigestOfFile(file: string): Promise<UploadDigest> {
  const hasher = new UploadHasher();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hasher.update(chunk as Buffer);
  return hasher.digest();
}

export function uploadDigestOfBytes(data: Uint8Array): UploadDigest {
  const hasher = new UploadHasher();
  hasher.update(data);
  return hasher.digest();
}

/** Throws DigestMismatchError when the body is not what the caller declared. */
export function assertDigest(subject: string, actual: UploadDigest, expected: { sha256: string; size: number }): void {
  if (actual.size !== expected.size) throw new DigestMismatchError(subject, `${expected.size} bytes`, `${actual.size} bytes`);
  if (actual.sha256 !== expected.sha256)
    throw new DigestMismatchError(subject, `sha256:${expected.sha256}`, `sha256:${actual.sha256}`);
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
