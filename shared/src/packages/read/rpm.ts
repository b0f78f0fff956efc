/**
 * An .rpm's header, read from the package itself: the 96-byte lead, the
 * signature header (skipped, 8-byte aligned), then the main header's index and
 * data store. Requirements are printed as `rpm -qp --requires` prints them.
 */
import { open } from 'node:fs/promises';
import type { PackageInfo } from '../../sbom/inspect.ts';
import { PackageFormatError } from './deb.ts';

const LEAD = 96;
const HEADER_MAGIC = 0x8eade801;
/** A header's index or store larger than this is corrupt. */
const MAX_HEADER = 256 << 20;

const TAG = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  vendor: 1011,
  packager: 1015,
  arch: 1022,
  requireFlags: 1048,
  requireName: 1049,
  requireVersion: 1050,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

type Value = string[] | number[];

/** The RPMSENSE comparison bits of a requirement's flags. */
function comparison(flags: number): string {
  const less = flags & 2;
  const greater = flags & 4;
  const equal = flags & 8;
  return `${less ? '<' : ''}${greater ? '>' : ''}${equal ? '=' : ''}`;
}

export async function readRpmHeader(file: string): Promise<PackageInfo> {
  const handle = await open(file, 'r');
  try {
    const read = async (offset: number, length: number) => {
      if (length > MAX_HEADER) throw new PackageFormatError('oversized rpm header');
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      if (bytesRead < length) throw new PackageFormatError('truncated rpm header');
      return buffer;
    };
    const lead = await read(0, LEAD);
    if (lead.readUInt32BE(0) !== 0xedabeedb) throw new PackageFormatError('not an rpm');
    const intro = async (at: number) => {
      const head = await read(at, 16);
      if (head.readUInt32BE(0) !== HEADER_MAGIC) throw new PackageFormatError('bad header magic');
      return { entries: head.readUInt32BE(8), store: head.readUInt32BE(12) };
    };
    const signature = await intro(LEAD);
    const signatureEnd = LEAD + 16 + signature.entries * 16 + signature.store;
    const mainAt = signatureEnd + ((8 - (signatureEnd % 8)) % 8);
    const main = await intro(mainAt);
    const index = await read(mainAt + 16, main.entries * 16);
    const store = await read(mainAt + 16 + main.entries * 16, main.store);
    const tags = new Map<number, Value>();
    for (let i = 0; i < main.entries; i++) {
      const tag = index.readUInt32BE(i * 16);
      const type = index.readUInt32BE(i * 16 + 4);
      const offset = index.readUInt32BE(i * 16 + 8);
      const count = index.readUInt32BE(i * 16 + 12);
      if (offset > store.length) throw new PackageFormatError('header entry beyond its store');
      if (type === TYPE_INT32) {
        if (offset + count * 4 > store.length) throw new PackageFormatError('header entry beyond its store');
        tags.set(
          tag,
          Array.from({ length: count }, (_, k) => store.readInt32BE(offset + k * 4)),
        );
      } else if (type === TYPE_STRING || type === TYPE_STRING_ARRAY || type === TYPE_I18NSTRING) {
        const strings: string[] = [];
        for (let k = 0, at = offset; k < (type === TYPE_STRING ? 1 : count); k++) {
          const end = store.indexOf(0, at);
          if (end < 0) throw new PackageFormatError('unterminated header string');
          strings.push(store.toString('utf8', at, end));
          at = end + 1;
        }
        tags.set(tag, strings);
      }
    }
    const text = (tag: number) => (tags.get(tag) as string[] | undefined)?.[0];
    const name = text(TAG.name);
    const version = text(TAG.version);
    if (!name || !version) throw new PackageFormatError('rpm header without name or version');
    const release = text(TAG.release);
    const names = (tags.get(TAG.requireName) ?? []) as string[];
    const flags = (tags.get(TAG.requireFlags) ?? []) as number[];
    const versions = (tags.get(TAG.requireVersion) ?? []) as string[];
    const depends = names.map((n, k) => {
      const op = comparison(flags[k] ?? 0);
      const v = versions[k] ?? '';
      return op && v ? `${n} ${op} ${v}` : n;
    });
    const epoch = (tags.get(TAG.epoch) as number[] | undefined)?.[0];
    const supplier = text(TAG.vendor) ?? text(TAG.packager);
    return {
      format: 'rpm',
      name,
      version: release ? `${version}-${release}` : version,
      arch: text(TAG.arch) ?? 'noarch',
      depends,
      ...(supplier ? { supplier } : {}),
      ...(epoch !== undefined ? { epoch: String(epoch) } : {}),
    };
  } finally {
    await handle.close();
  }
}
