/**
 * The digests an upload sends for the store to check: MD5 (Content-MD5, the check
 * every S3-compatible store and Azure verify) and SHA-256 (the digest we promise),
 * both from one streaming read — or the caller's, when it hashed the body itself.
 * `assertDigest` refuses a body before anything is sent.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Crc32c } from '../core/crc32c.ts';
import { DigestMismatchError } from '../core/errors.ts';
import type { Body, PutOptions } from './storage.ts';

export interface UploadDigest {
  size: number;
  sha256: string;
  md5: Buffer;
  /** Hex CRC32C, when asked for (GCS keeps it for every object). */
  crc32c?: string;
}

export class UploadHasher {
  readonly #sha256 = createHash('sha256');
  readonly #md5 = createHash('md5');
  readonly #crc32c: Crc32c | undefined;
  #size = 0;
  constructor(options: { crc32c?: boolean } = {}) {
    this.#crc32c = options.crc32c ? new Crc32c() : undefined;
  }
  update(chunk: Uint8Array): void {
    this.#size += chunk.byteLength;
    this.#sha256.update(chunk);
    this.#md5.update(chunk);
    this.#crc32c?.update(chunk);
  }
  digest(): UploadDigest {
    return {
      size: this.#size,
      sha256: this.#sha256.digest('hex'),
      md5: this.#md5.digest(),
      ...(this.#crc32c && { crc32c: this.#crc32c.digest('hex') }),
    };
  }
}

export async function uploadDigestOfFile(file: string): Promise<UploadDigest> {
  const hasher = new UploadHasher();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hasher.update(chunk as Buffer);
  return hasher.digest();
}

/** The binary MD5 of a part (its Content-MD5). */
export function md5Of(data: Uint8Array): Buffer {
  return createHash('md5').update(data).digest();
}

export function uploadDigestOfBytes(data: Uint8Array): UploadDigest {
  const hasher = new UploadHasher();
  hasher.update(data);
  return hasher.digest();
}

/** The body's size (a file is stat'ed); throws DigestMismatchError when it is not the declared one. */
export async function checkedSize(subject: string, body: Body, declared: number): Promise<number> {
  const size = 'file' in body ? (await stat(body.file)).size : body.data.byteLength;
  if (size !== declared) throw new DigestMismatchError(subject, `${declared} bytes`, `${size} bytes`);
  return size;
}

/**
 * The MD5 (hex) to send with a one-request upload. The caller's, when it hashed the body itself: the body is then
 * not read twice, and a body changed since stands to be refused by the store's Content-MD5 / SHA-256 checks and
 * caught by a read-back. Otherwise the body is read and hashed, and refused before anything is sent unless it is
 * what the caller declared.
 */
export async function md5ForUpload(subject: string, body: Body, options: PutOptions): Promise<string> {
  if (options.md5 !== undefined) return options.md5();
  const digest = 'file' in body ? await uploadDigestOfFile(body.file) : uploadDigestOfBytes(body.data);
  assertDigest(subject, digest, options);
  return digest.md5.toString('hex');
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
