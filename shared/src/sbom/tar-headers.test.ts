import { describe, expect, it } from 'vitest';
import { readTar, type TarEntry } from './tar.ts';

/** The rules of tar.ts on headers built byte by byte (tar.test.ts reads what GNU tar writes). */

interface Member {
  name?: string;
  flag?: string;
  /** Bytes of content (the size field is their length unless `size` says otherwise). */
  data?: string | Buffer;
  size?: number | Buffer;
  linkname?: string;
  prefix?: string;
  magic?: string;
  /** Spoils the checksum. */
  badChecksum?: boolean;
}

function header(m: Member, dataLength: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(m.name ?? 'f', 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  if (Buffer.isBuffer(m.size)) m.size.copy(h, 124);
  else h.write(`${(m.size ?? dataLength).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write(m.flag ?? '0', 156, 'latin1');
  if (m.linkname) h.write(m.linkname, 157, 100, 'utf8');
  h.write(m.magic ?? 'ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  if (m.prefix) h.write(m.prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${(sum + (m.badChecksum ? 1 : 0)).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function member(m: Member): Buffer {
  const data = Buffer.isBuffer(m.data) ? m.data : Buffer.from(m.data ?? '');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header(m, data.length), data, pad]);
}

const pax = (records: Record<string, string>, flag = 'x'): Buffer =>
  member({
    name: 'PaxHeader',
    flag,
    data: Object.entries(records)
      .map(([k, v]) => {
        const body = ` ${k}=${v}\n`;
        let length = body.length + 1;
        if (`${length}${body}`.length !== length) length++;
        return `${length}${body}`;
      })
      .join(''),
  });

const END = Buffer.alloc(1024);

async function read(bytes: Buffer, chunk = 700): Promise<(TarEntry & { content: string })[]> {
  async function* source() {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  }
  const contents = new Map<string, string>();
  const out: (TarEntry & { content: string })[] = [];
  for await (const e of readTar(source(), (entry, piece) => contents.set(entry.name, (contents.get(entry.name) ?? '') + piece))) {
    out.push({ ...e, content: contents.get(e.name) ?? '' });
  }
  return out;
}

describe('tar headers', () => {
  it('reads each type: files of three flags, folders, links, others, and only files have a size', async () => {
    const tar = Buffer.concat([
      member({ name: 'a', flag: '0', data: 'A' }),
      member({ name: 'b', flag: '\0', data: 'BB' }),
      member({ name: 'c', flag: '7', data: 'CCC' }),
      member({ name: 'dir/', flag: '5' }),
      member({ name: 'sym', flag: '2', linkname: 'a' }),
      member({ name: 'hard', flag: '1', linkname: 'b' }),
      member({ name: 'fifo', flag: '6' }),
      member({ name: 'odd', flag: 'V', data: 'volume' }),
      END,
    ]);
    expect(await read(tar)).toStrictEqual([
      { name: 'a', type: 'file', size: 1, content: 'A' },
      { name: 'b', type: 'file', size: 2, content: 'BB' },
      { name: 'c', type: 'file', size: 3, content: 'CCC' },
      { name: 'dir/', type: 'directory', size: 0, content: '' },
      { name: 'sym', type: 'symlink', size: 0, linkname: 'a', content: '' },
      { name: 'hard', type: 'hardlink', size: 0, linkname: 'b', content: '' },
      { name: 'fifo', type: 'other', size: 0, content: '' },
      // Another type's content is passed on (and skipped by callers), never read as headers.
      { name: 'odd', type: 'other', size: 0, content: 'volume' },
    ]);
  });

  it('reads no content after a folder or link, whatever its size field says', async () => {
    const tar = Buffer.concat([
      member({ name: 'dir/', flag: '5', size: 512 }),
      member({ name: 'sym', flag: '2', linkname: 'a', size: 512 }),
      member({ name: 'a', data: 'A' }),
      END,
    ]);
    expect((await read(tar)).map((e) => [e.name, e.type, e.size])).toEqual([
      ['dir/', 'directory', 0],
      ['sym', 'symlink', 0],
      ['a', 'file', 1],
    ]);
  });

  it('joins a ustar prefix, reads a full 100-byte name, ignores the prefix of a pre-POSIX header', async () => {
    const full = 'n'.repeat(100);
    const tar = Buffer.concat([
      member({ name: 'file', prefix: 'some/folder', data: 'x' }),
      member({ name: full, linkname: 'l'.repeat(100), flag: '2' }),
      member({ name: 'old', prefix: 'ignored', magic: 'ustar ', data: 'y' }),
      END,
    ]);
    expect((await read(tar)).map((e) => [e.name, e.linkname])).toEqual([
      ['some/folder/file', undefined],
      [full, 'l'.repeat(100)],
      ['old', undefined],
    ]);
  });

  it('pax: a local header applies to the next member only, a global one to all after it; records split at the first =', async () => {
    const tar = Buffer.concat([
      pax({ comment: 'x', path: 'long/pax/name=with=equals', linkpath: 'target' }),
      member({ name: 'short', flag: '2' }),
      member({ name: 'plain', data: 'p' }),
      pax({ path: 'global-name' }, 'g'),
      member({ name: 'g1', data: '1' }),
      pax({ path: 'local-wins' }),
      member({ name: 'g2', data: '2' }),
      END,
    ]);
    expect((await read(tar)).map((e) => [e.name, e.linkname, e.content])).toEqual([
      ['long/pax/name=with=equals', 'target', ''],
      ['plain', undefined, 'p'],
      ['global-name', undefined, '1'],
      ['local-wins', undefined, '2'],
    ]);
  });

  it('pax size overrides the header, for files beyond the octal field', async () => {
    const tar = Buffer.concat([pax({ size: '5' }), member({ name: 'f', data: 'hello', size: 0 }), END]);
    expect(await read(tar)).toStrictEqual([{ name: 'f', type: 'file', size: 5, content: 'hello' }]);
  });

  it('GNU long names and link names, for the next member only', async () => {
    const long = `${'d/'.repeat(80)}file`;
    const tar = Buffer.concat([
      member({ name: '././@LongLink', flag: 'L', data: `${long}\0` }),
      member({ name: '././@LongLink', flag: 'K', data: 'far/target' }),
      member({ name: 'cut', flag: '2', linkname: 'cut-target' }),
      member({ name: 'next', flag: '2', linkname: 'own' }),
      END,
    ]);
    expect((await read(tar)).map((e) => [e.name, e.linkname])).toEqual([
      [long, 'far/target'],
      ['next', 'own'],
    ]);
  });

  it.each([
    ['octal with trailing spaces and NULs', Buffer.from('00000000012 \0'), 10],
    ['octal with leading spaces', Buffer.from('    12\0'), 10],
    ['an empty field', Buffer.alloc(12), 0],
    ['GNU base-256', Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02]), 258],
    ['GNU base-256, high bits', Buffer.from([0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 2 ** 80],
  ])('size field: %s', async (_name, size, expected) => {
    if (expected > 1000) {
      await expect(read(Buffer.concat([member({ size }), END]))).rejects.toThrow('bad size');
      return;
    }
    const data = 'z'.repeat(expected);
    const found = await read(Buffer.concat([member({ name: 'f', data, size }), END]));
    expect(found).toStrictEqual([{ name: 'f', type: 'file', size: expected, content: data }]);
  });

  it.each([
    ['no end blocks', Buffer.concat([member({ name: 'a', data: 'x' })]), ['a']],
    ['one zero block ends it', Buffer.concat([member({ name: 'a' }), Buffer.alloc(512), member({ name: 'b' })]), ['a']],
    ['nothing at all', Buffer.alloc(0), []],
  ])('%s', async (_name, tar, names) => {
    expect((await read(tar)).map((e) => e.name)).toEqual(names);
  });

  it.each([
    ['a short header', Buffer.alloc(100, 1), 'truncated header'],
    ['a bad checksum', member({ name: 'a', badChecksum: true }), 'header checksum mismatch'],
    ['an octal field with an 8', member({ size: Buffer.from('0000000008\0') }), "bad octal field '0000000008'"],
    ['a negative pax size', Buffer.concat([pax({ size: '-1' }), member({})]), 'bad size'],
    ['a fractional pax size', Buffer.concat([pax({ size: '1.5' }), member({})]), 'bad size'],
    ['a pax size that is no number', Buffer.concat([pax({ size: 'many' }), member({})]), 'bad size'],
    ['a pax record without length', member({ flag: 'x', data: 'path=x\n' }), 'bad pax record'],
    ['a pax record of length 0', member({ flag: 'x', data: '0 path=x\n' }), 'bad pax record'],
    ['a pax record of negative length', member({ flag: 'x', data: '-9 path=x\n' }), 'bad pax record'],
    ['a pax record longer than its header', member({ flag: 'x', data: '99 path=x\n' }), 'bad pax record'],
    ['a pax length that is no integer', member({ flag: 'x', data: '9.5 path=x\n' }), 'bad pax record'],
    ['a pax length that is no number', member({ flag: 'x', data: 'nan path=x\n' }), 'bad pax record'],
    ['a pax record without a space', member({ flag: 'x', data: '10path=x\n' }), 'bad pax record'],
    ['an octal field that only ends in digits', member({ size: Buffer.from('8000000000\0') }), "bad octal field '8000000000'"],
    ['an oversized extended header', member({ flag: 'L', size: 2 ** 20 + 1 }), 'oversized extended header'],
    ['an extended header cut short', member({ flag: 'x', data: '11 path=x\n' }).subarray(0, 600), 'truncated extended header'],
    [
      'a member cut short',
      member({ name: 'cut', data: 'x'.repeat(600) }).subarray(0, 1000),
      'cut: archive ends inside the member',
    ],
    ['padding cut short', member({ name: 'p', data: 'x'.repeat(600) }).subarray(0, 1200), 'archive ends inside the padding'],
  ])('refuses %s', async (_name, tar, problem) => {
    const err = await read(tar).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TarFormatError', message: problem });
  });

  it('takes an extended header of exactly the largest size, and a plain iterable source', async () => {
    const long = 'x'.repeat(2 ** 20 - 1);
    const tar = Buffer.concat([member({ flag: 'L', data: `${long}\0` }), member({ name: 'short', data: 'd' }), END]);
    const names: string[] = [];
    for await (const e of readTar([tar.subarray(0, 100), tar.subarray(100)])) names.push(e.name);
    expect(names).toEqual([long]);
  });
});
