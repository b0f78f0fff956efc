import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Crc32c, crc32cHex, crc32cUpdate } from './crc32c.ts';

describe('CRC32C', () => {
  // RFC 3720 (iSCSI), appendix B.4 (its CRC bytes are listed little-endian: "aa 36 91 8a" is 0x8a9136aa), and the
  // usual check value of "123456789".
  it.each([
    ['32 bytes of zeros', Buffer.alloc(32), 0x8a9136aa],
    ['32 bytes of 0xff', Buffer.alloc(32, 0xff), 0x62a8ab43],
    ['32 ascending bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
    ['32 descending bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
    ['the check string 123456789', Buffer.from('123456789'), 0xe3069283],
    ['nothing', Buffer.alloc(0), 0],
  ])('%s', (_, data, crc) => {
    expect(crc32cUpdate(0, data)).toBe(crc);
    expect(crc32cHex(data)).toBe(crc.toString(16).padStart(8, '0'));
  });

  it('gives the same CRC fed in pieces of any length as in one, and GCS its base64 form', () => {
    const data = randomBytes(10_007);
    const whole = crc32cHex(data);
    for (const step of [1, 3, 7, 8, 9, 4096]) {
      const crc = new Crc32c();
      for (let i = 0; i < data.length; i += step) crc.update(data.subarray(i, i + step));
      expect(crc.digest('hex')).toBe(whole);
    }
    // GCS's crc32c field: the same four bytes, big-endian, in base64.
    expect(new Crc32c().update(data).digest('base64')).toBe(Buffer.from(whole, 'hex').toString('base64'));
  });
});
