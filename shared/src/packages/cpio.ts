/** cpio "newc" (SVR4 without CRC), the payload format of an rpm. */

export interface CpioEntry {
  name: string;
  /** Full st_mode: type bits and permissions. */
  mode: number;
  mtime: number;
  ino: number;
  data?: Uint8Array;
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function entryBlocks(entry: CpioEntry): Buffer[] {
  const data = entry.data ?? new Uint8Array();
  const name = Buffer.from(`${entry.name}\0`, 'utf8');
  // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  const fields = [entry.ino, entry.mode, 0, 0, 1, entry.mtime, data.length, 0, 0, 0, 0, name.length, 0];
  const head = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  const blocks = [head, name, pad4(head.length + name.length)];
  if (data.length > 0)
    blocks.push(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length), pad4(data.length));
  return blocks;
}

/** The archive as consecutive blocks (file bytes as given, not copied), with its TRAILER!!! entry. */
export function cpioBlocks(entries: readonly CpioEntry[]): Buffer[] {
  return [...entries.flatMap(entryBlocks), ...entryBlocks({ name: 'TRAILER!!!', mode: 0, mtime: 0, ino: 0 })];
}
