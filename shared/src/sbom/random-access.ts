import { open } from 'node:fs/promises';

/** Positional reads of a file (executables are read a header and a section at a time, never whole). */
export interface RandomAccess {
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Promise<Buffer>;
}

export function bytesAccess(bytes: Buffer): RandomAccess {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/** Opens `file` for positional reads; `use` runs while it is open. */
export async function withFileAccess<T>(file: string, use: (access: RandomAccess) => Promise<T>): Promise<T> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    return await use({
      size,
      read: async (offset, length) => {
        const n = Math.max(0, Math.min(length, size - offset));
        const buffer = Buffer.allocUnsafe(n);
        const { bytesRead } = n > 0 ? await handle.read(buffer, 0, n, offset) : { bytesRead: 0 };
        return buffer.subarray(0, bytesRead);
      },
    });
  } finally {
    await handle.close();
  }
}
