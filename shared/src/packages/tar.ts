/**
 * A ustar writer with pax extended headers for names and link targets too long for ustar, as dpkg reads them.
 * Entries are written exactly as given: the caller orders them and sets every time and owner (reproducible).
 */

export interface TarEntry {
  /** Path inside the archive, e.g. `./usr/bin/kubelet` (folders end with '/'). */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  linkname?: string;
  data?: Uint8Array;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(
  fields: { name: string; mode: number; uid: number; gid: number; size: number; mtime: number; typeflag: string },
  entry: Pick<TarEntry, 'linkname' | 'uname' | 'gname'>,
  prefix = '',
): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(fields.name, 0, 100, 'utf8');
  h.write(octal(fields.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(fields.uid, 8), 108, 'ascii');
  h.write(octal(fields.gid, 8), 116, 'ascii');
  h.write(octal(fields.size, 12), 124, 'ascii');
  h.write(octal(fields.mtime, 12), 136, 'ascii');
  h.fill(' ', 148, 156);
  h.write(fields.typeflag, 156, 'ascii');
  if (entry.linkname) h.write(entry.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(entry.uname ?? 'root', 265, 32, 'utf8');
  h.write(entry.gname ?? 'root', 297, 32, 'utf8');
  if (prefix) h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** A pax record: "<len> key=value\n", where len counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

/** ustar's split of a long name into prefix (≤155) and name (≤100) at a '/', or undefined when none fits. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest };
  }
  return undefined;
}

const TYPEFLAG = { file: '0', dir: '5', symlink: '2' } as const;

function tarEntryBlocks(entry: TarEntry): Buffer[] {
  const data = entry.type === 'file' ? (entry.data ?? new Uint8Array()) : new Uint8Array();
  const split = splitName(entry.name);
  const longLink = entry.linkname !== undefined && Buffer.byteLength(entry.linkname) > 100;
  const blocks: Buffer[] = [];
  const base = { mode: entry.mode, uid: entry.uid ?? 0, gid: entry.gid ?? 0, mtime: entry.mtime };
  if (!split || longLink) {
    let records = '';
    if (!split) records += paxRecord('path', entry.name);
    if (longLink) records += paxRecord('linkpath', entry.linkname as string);
    const body = Buffer.from(records, 'utf8');
    const paxName = `PaxHeaders/${entry.name.replace(/\/$/, '').split('/').pop()}`.slice(0, 99);
    blocks.push(header({ ...base, name: paxName, size: body.length, typeflag: 'x' }, {}), body, padding(body.length));
  }
  const fields = { ...base, name: split?.name ?? entry.name.slice(0, 99), size: data.length, typeflag: TYPEFLAG[entry.type] };
  const linkname = longLink ? (entry.linkname as string).slice(0, 99) : entry.linkname;
  blocks.push(header(fields, { ...entry, linkname }, split?.prefix));
  // The caller's Buffer itself, not a copy: compress.ts compresses a large file's bytes once for every archive.
  if (data.length > 0)
    blocks.push(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length), padding(data.length));
  return blocks;
}

/** The whole archive as consecutive blocks, with its two zero blocks at the end. */
export function tarBlocks(entries: readonly TarEntry[]): Buffer[] {
  return [...entries.flatMap(tarEntryBlocks), Buffer.alloc(BLOCK * 2)];
}
