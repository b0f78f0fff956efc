/**
 * A streaming tar reader (ustar, pax extended headers, GNU long names): each
 * member's content passes through `onData` as it streams by, never to disk and
 * never whole in memory. Headers are checked (checksum, octal fields), so a
 * corrupt or truncated archive fails with TarFormatError instead of yielding
 * nonsense.
 */

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  size: number;
  linkname?: string;
}

export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

const BLOCK = 512;

/** Pulls exact byte counts out of a chunked source. */
class Blocks {
  readonly #source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  #pending: Buffer = Buffer.alloc(0);
  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.#source = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  async #more(): Promise<boolean> {
    const next = await this.#source.next();
    if (next.done) return false;
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    // Stryker disable next-line ConditionalExpression: concatenating onto nothing gives the same bytes; this spares the copy
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    return true;
  }

  /** Exactly n bytes, or fewer at the end of the source. */
  async take(n: number): Promise<Buffer> {
    // Stryker disable next-line EqualityOperator: <= only reads one chunk ahead; the bytes taken are the same
    while (this.#pending.length < n) if (!(await this.#more())) break;
    const out = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(out.length);
    return out;
  }

  /** Passes n bytes to `sink` a piece at a time; false when the source ends first. */
  async pass(n: number, sink: (piece: Buffer) => void): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.#pending.length === 0 && !(await this.#more())) return false;
      const piece = this.#pending.subarray(0, left);
      this.#pending = this.#pending.subarray(piece.length);
      left -= piece.length;
      sink(piece);
    }
    return true;
  }
}

function text(header: Buffer, start: number, length: number): string {
  const field = header.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? length : end);
}

function octal(header: Buffer, start: number, length: number): number {
  const field = header.subarray(start, start + length);
  if ((field[0] as number) & 0x80) {
    // GNU base-256 for values beyond the octal field's reach.
    let value = (field[0] as number) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] as number);
    return value;
  }
  const digits = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`bad octal field '${digits}'`);
  return Number.parseInt(digits, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  return sum === octal(header, 148, 8);
}

function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.toString('latin1', at, space));
    // Without a space the length reads as '' (0), refused here too.
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) throw new TarFormatError('bad pax record');
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '5': 'directory',
  '2': 'symlink',
  '1': 'hardlink',
};

/** Meta entries (pax, GNU long names) larger than this are corrupt. */
const MAX_META = 1 << 20;

/**
 * Yields every member of the archive; a member's content goes to `onData` before it is yielded. Throws
 * TarFormatError on a bad header or an archive that ends early.
 */
export async function* readTar(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onData: (entry: TarEntry, piece: Buffer) => void = () => {},
): AsyncGenerator<TarEntry> {
  const blocks = new Blocks(source);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  let globalPax = new Map<string, string>();
  for (;;) {
    const header = await blocks.take(BLOCK);
    if (header.length === 0) return; // no end-of-archive blocks: accepted, as GNU tar does
    if (header.length < BLOCK) throw new TarFormatError('truncated header');
    if (header.every((b) => b === 0)) return;
    if (!checksumOk(header)) throw new TarFormatError('header checksum mismatch');
    const flag = String.fromCharCode(header[156] as number);
    const size = octal(header, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_META) throw new TarFormatError('oversized extended header');
      const data = await blocks.take(padded);
      if (data.length < padded) throw new TarFormatError('truncated extended header');
      const body = data.subarray(0, size);
      if (flag === 'x') pax = paxRecords(body);
      else if (flag === 'g') globalPax = new Map([...globalPax, ...paxRecords(body)]);
      else if (flag === 'L') longName = text(body, 0, body.length);
      else longLink = text(body, 0, body.length);
      continue;
    }
    const records = new Map([...globalPax, ...pax]);
    const ustar = header.toString('latin1', 257, 263) === 'ustar\0';
    const prefix = ustar ? text(header, 345, 155) : '';
    const name = records.get('path') ?? longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    const linkname = records.get('linkpath') ?? longLink ?? text(header, 157, 100);
    const paxSize = records.get('size');
    const realSize = paxSize === undefined ? size : Number(paxSize);
    if (!Number.isSafeInteger(realSize) || realSize < 0) throw new TarFormatError('bad size');
    const type = TYPES[flag] ?? 'other';
    const entry: TarEntry = { name, type, size: type === 'file' ? realSize : 0, ...(linkname ? { linkname } : {}) };
    const content = type === 'file' || type === 'other' ? realSize : 0;
    if (!(await blocks.pass(content, (piece) => onData(entry, piece))))
      throw new TarFormatError(`${name}: archive ends inside the member`);
    const rest = Math.ceil(content / BLOCK) * BLOCK - content;
    if ((await blocks.take(rest)).length < rest) throw new TarFormatError('archive ends inside the padding');
    longName = undefined;
    longLink = undefined;
    pax = new Map();
    yield entry;
  }
}
