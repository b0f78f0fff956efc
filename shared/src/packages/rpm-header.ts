/**
 * rpm's header structure: magic, index entries (tag, type, offset, count) and a data store, with the region tag
 * first whose trailer closes the data, as rpm writes an immutable header (rpm's lib/header.c).
 */

export const TYPE = { INT16: 3, INT32: 4, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const;
type Type = (typeof TYPE)[keyof typeof TYPE];

export type TagValue =
  | { type: typeof TYPE.INT16 | typeof TYPE.INT32; value: readonly number[] }
  | { type: typeof TYPE.STRING | typeof TYPE.I18NSTRING; value: string }
  | { type: typeof TYPE.STRING_ARRAY; value: readonly string[] }
  | { type: typeof TYPE.BIN; value: Uint8Array };

const ALIGN: Record<Type, number> = { 3: 2, 4: 4, 6: 1, 7: 1, 8: 1, 9: 1 };
const MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);

function encode(entry: TagValue): { data: Buffer; count: number } {
  switch (entry.type) {
    case TYPE.INT16: {
      const data = Buffer.alloc(entry.value.length * 2);
      entry.value.forEach((v, i) => {
        data.writeUInt16BE(v & 0xffff, i * 2);
      });
      return { data, count: entry.value.length };
    }
    case TYPE.INT32: {
      const data = Buffer.alloc(entry.value.length * 4);
      entry.value.forEach((v, i) => {
        data.writeUInt32BE(v >>> 0, i * 4);
      });
      return { data, count: entry.value.length };
    }
    case TYPE.STRING:
    case TYPE.I18NSTRING:
      return { data: Buffer.from(`${entry.value}\0`, 'utf8'), count: 1 };
    case TYPE.STRING_ARRAY:
      return { data: Buffer.from(entry.value.map((s) => `${s}\0`).join(''), 'utf8'), count: entry.value.length };
    case TYPE.BIN:
      return { data: Buffer.from(entry.value), count: entry.value.length };
  }
}

/** The header's bytes (from its magic) with `regionTag` (62 signatures, 63 immutable) sealing the given tags. */
export function writeHeader(tags: ReadonlyMap<number, TagValue>, regionTag: number): Buffer {
  const sorted = [...tags.entries()].sort(([a], [b]) => a - b);
  const index: Buffer[] = [];
  const store: Buffer[] = [];
  let offset = 0;
  for (const [tag, value] of sorted) {
    const { data, count } = encode(value);
    const pad = (ALIGN[value.type] - (offset % ALIGN[value.type])) % ALIGN[value.type];
    if (pad) store.push(Buffer.alloc(pad));
    offset += pad;
    const entry = Buffer.alloc(16);
    entry.writeUInt32BE(tag, 0);
    entry.writeUInt32BE(value.type, 4);
    entry.writeUInt32BE(offset, 8);
    entry.writeUInt32BE(count, 12);
    index.push(entry);
    store.push(data);
    offset += data.length;
  }
  const entries = sorted.length + 1;
  const trailer = Buffer.alloc(16);
  trailer.writeUInt32BE(regionTag, 0);
  trailer.writeUInt32BE(TYPE.BIN, 4);
  trailer.writeInt32BE(-entries * 16, 8);
  trailer.writeUInt32BE(16, 12);
  const region = Buffer.alloc(16);
  region.writeUInt32BE(regionTag, 0);
  region.writeUInt32BE(TYPE.BIN, 4);
  region.writeUInt32BE(offset, 8);
  region.writeUInt32BE(16, 12);
  store.push(trailer);
  const sizes = Buffer.alloc(8);
  sizes.writeUInt32BE(entries, 0);
  sizes.writeUInt32BE(offset + 16, 4);
  return Buffer.concat([MAGIC, sizes, region, ...index, ...store]);
}

export const int32 = (...value: number[]): TagValue => ({ type: TYPE.INT32, value });
export const int16 = (...value: number[]): TagValue => ({ type: TYPE.INT16, value });
export const string = (value: string): TagValue => ({ type: TYPE.STRING, value });
export const i18n = (value: string): TagValue => ({ type: TYPE.I18NSTRING, value });
export const strings = (value: readonly string[]): TagValue => ({ type: TYPE.STRING_ARRAY, value });
export const bin = (value: Uint8Array): TagValue => ({ type: TYPE.BIN, value });
