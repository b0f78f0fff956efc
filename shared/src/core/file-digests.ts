/**
 * One read of a file for every digest asked for, and the file's identity, as a hashing worker makes them
 * (hash-worker.ts). The bytes are read into one reused buffer and never cross threads.
 *
 * A later read of the same file with the same identity read the same bytes, if the identity is `stable`: any write
 * changes the change time, which no user can set, unless it lands within the same tick of the file-system clock as
 * the write before it (a kernel tick where times have sub-second digits, a second or two where they have none). So an
 * identity is stable only if its change time has sub-second digits and lies RACY_MS or more before the read began
 * (as git treats "racily clean" entries); otherwise only the bytes themselves tell.
 */
import { createHash } from 'node:crypto';
import { type BigIntStats, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Crc32c } from './crc32c.ts';

/** Margin on the coarsest kernel tick (10 ms), for a network file system whose clock runs behind this machine's. */
export const RACY_MS = 1_000;

/** 256 KiB: small enough to stay in the CPU cache between the hashes that read it. */
export const CHUNK = 1 << 18;

/** node:crypto's hashes, and CRC32C (crc32c.ts: GCS's checksum, which node:crypto lacks). */
export type HashAlgorithm = 'sha1' | 'sha256' | 'sha512' | 'md5' | 'crc32c';

export interface HashRequest {
  file: string;
  algorithms: readonly HashAlgorithm[];
  racyMs: number;
}

/** What one read of a file tells. */
export interface Hashed {
  size: number;
  /** In the order of the algorithms asked for. */
  hex: string[];
  /** Opaque: equal for two reads of a file that did not change between them (when `stable`). */
  identity: string;
  /** Whether the identity tells every later change (false: the file changed shortly before it was read). */
  stable: boolean;
}

const identify = (s: BigIntStats) => [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join(':');

/** Reads the file once into `buffer`; a file whose identity changed during the read fails with code ECHANGED. */
export function readDigests({ file, algorithms, racyMs }: HashRequest, buffer: Buffer): Hashed {
  const started = BigInt(Date.now()) * 1_000_000n;
  const fd = openSync(file, 'r');
  try {
    const before = fstatSync(fd, { bigint: true });
    const identity = identify(before);
    const hashes: { update(chunk: Uint8Array): unknown; digest(encoding: 'hex'): string }[] = algorithms.map((a) =>
      a === 'crc32c' ? new Crc32c() : createHash(a),
    );
    let size = 0;
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
      const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
      for (const h of hashes) h.update(chunk);
      size += n;
    }
    if (identify(fstatSync(fd, { bigint: true })) !== identity)
      throw Object.assign(new Error(`${file} changed while it was hashed`), { code: 'ECHANGED', path: file });
    const stable = before.ctimeNs % 1_000_000_000n !== 0n && started - before.ctimeNs >= BigInt(racyMs) * 1_000_000n;
    return { size, hex: hashes.map((h) => h.digest('hex')), identity, stable };
  } finally {
    closeSync(fd);
  }
}
