/** Payload compression with node's zlib: gzip, and zstd (Node ≥ 23.8). Node has no xz. */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Compression } from './spec.ts';

const gzip = promisify(zlib.gzip);
const zstd = promisify(zlib.zstdCompress);

export async function compress(data: Buffer, compression: Compression): Promise<Buffer> {
  switch (compression) {
    case 'gzip':
      return gzip(data, { level: 6 });
    case 'zstd':
      return zstd(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } });
    case 'none':
      return data;
  }
}

export const DEB_SUFFIX: Record<Compression, string> = { gzip: '.gz', zstd: '.zst', none: '' };

/** Below this a file's bytes are compressed with their neighbours; above, as a stream of their own, shared. */
const SHARED_MIN = 64 * 1024;
const shared = new WeakMap<Buffer, Map<Compression, Promise<Buffer>>>();

function sharedMember(data: Buffer, compression: Compression): Promise<Buffer> {
  const byFormat = shared.get(data) ?? new Map<Compression, Promise<Buffer>>();
  shared.set(data, byFormat);
  const member = byFormat.get(compression) ?? compress(data, compression);
  byFormat.set(compression, member);
  return member;
}

/**
 * An archive given as blocks compressed as consecutive gzip members, which every reader takes as one stream: a large file's bytes are one member, compressed once for all the packages that hold them (a deb and
 * an rpm of the same binary pay for one compression, not two).
 */
export async function compressBlocks(
  blocks: readonly Buffer[],
  compression: Compression,
): Promise<{ data: Buffer; size: number }> {
  const size = blocks.reduce((sum, b) => sum + b.length, 0);
  // dpkg 1.21 stops reading a zstd stream at the end of its first frame: only gzip is written in members.
  if (compression !== 'gzip') return { data: await compress(Buffer.concat(blocks), compression), size };
  const members: Array<Promise<Buffer>> = [];
  let run: Buffer[] = [];
  const flush = () => {
    if (run.length > 0) members.push(compress(Buffer.concat(run), compression));
    run = [];
  };
  for (const block of blocks) {
    if (block.length < SHARED_MIN) run.push(block);
    else {
      flush();
      members.push(sharedMember(block, compression));
    }
  }
  flush();
  return { data: Buffer.concat(await Promise.all(members)), size };
}
