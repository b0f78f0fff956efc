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
