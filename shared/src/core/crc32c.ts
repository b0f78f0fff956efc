/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum GCS keeps for every object (composite objects
 * have no MD5) and S3 offers as an additional checksum. Slicing-by-8 over eight 256-entry tables: eight bytes per
 * step, in plain TypeScript (no native module to build for each runner). Its digest is the CRC's four bytes,
 * big-endian, as GCS's `crc32c` field holds them (base64) and as hex compares them.
 */

/** Eight 256-entry tables in one array: entry n of table t at t * 256 + n. */
const TABLE = (() => {
  const table = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n] as number;
    for (let t = 1; t < 8; t++) {
      c = (table[c & 0xff] as number) ^ (c >>> 8);
      table[t * 256 + n] = c;
    }
  }
  return table;
})();

/** The CRC after `data`, from the CRC `crc` of what came before (0 for none). */
export function crc32cUpdate(crc: number, data: Uint8Array): number {
  const t = TABLE;
  let c = ~crc | 0;
  let i = 0;
  const end8 = data.length - (data.length & 7);
  while (i < end8) {
    const lo =
      c ^
      ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24));
    c =
      (t[1792 + (lo & 0xff)] as number) ^
      (t[1536 + ((lo >>> 8) & 0xff)] as number) ^
      (t[1280 + ((lo >>> 16) & 0xff)] as number) ^
      (t[1024 + (lo >>> 24)] as number) ^
      (t[768 + (data[i + 4] as number)] as number) ^
      (t[512 + (data[i + 5] as number)] as number) ^
      (t[256 + (data[i + 6] as number)] as number) ^
      (t[data[i + 7] as number] as number);
    i += 8;
  }
  while (i < data.length) {
    c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}

/** An incremental CRC32C with the update/digest shape of node:crypto's Hash, so it sits beside them in one pass. */
export class Crc32c {
  #crc = 0;
  update(data: Uint8Array): this {
    this.#crc = crc32cUpdate(this.#crc, data);
    return this;
  }
  digest(encoding: 'hex' | 'base64'): string {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(this.#crc);
    return bytes.toString(encoding);
  }
}

export function crc32cHex(data: Uint8Array): string {
  return new Crc32c().update(data).digest('hex');
}
