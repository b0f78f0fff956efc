/**
 * A .deb's control file, read from the package itself: the ar archive's
 * control.tar(.gz|.zst) member, streamed through the tar reader. Node has no xz:
 * a control.tar.xz is reported as unreadable (build-packages writes gzip or zstd).
 */
import { open } from 'node:fs/promises';
import zlib from 'node:zlib';
import type { PackageInfo } from '../../sbom/inspect.ts';
import { readTar } from '../../sbom/tar.ts';

export class PackageFormatError extends Error {
  override name = 'PackageFormatError';
}

const AR_MAGIC = '!<arch>\n';
const AR_HEADER = 60;
/** A control archive larger than this is not one. */
const MAX_CONTROL = 64 << 20;

/** The control member's bytes, decompressed. */
async function controlTar(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const read = async (offset: number, length: number) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      if (bytesRead < length) throw new PackageFormatError('truncated ar archive');
      return buffer;
    };
    if ((await read(0, 8)).toString('latin1') !== AR_MAGIC) throw new PackageFormatError('not an ar archive');
    for (let at = 8; at + AR_HEADER <= size; ) {
      const header = await read(at, AR_HEADER);
      const name = header.toString('latin1', 0, 16).trim().replace(/\/$/, '');
      const length = Number(header.toString('latin1', 48, 58).trim());
      if (!Number.isSafeInteger(length) || length < 0) throw new PackageFormatError('bad ar member size');
      if (name.startsWith('control.tar')) {
        if (length > MAX_CONTROL) throw new PackageFormatError('oversized control archive');
        const data = await read(at + AR_HEADER, length);
        if (name === 'control.tar') return data;
        if (name === 'control.tar.gz') return zlib.gunzipSync(data);
        if (name === 'control.tar.zst') return zlib.zstdDecompressSync(data);
        throw new PackageFormatError(`${name}: compression not supported`);
      }
      at += AR_HEADER + length + (length % 2);
    }
    throw new PackageFormatError('no control archive');
  } finally {
    await handle.close();
  }
}

/** Fields of a control file (continuation lines joined with a newline, as dpkg-deb -f prints them). */
export function parseControl(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (/^[ \t]/.test(line) && last) fields.set(last, `${fields.get(last)}\n${line}`);
    else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon);
      fields.set(last, line.slice(colon + 1).trim());
    }
  }
  return fields;
}

/** Splits a Depends-like field into its comma-separated relations. */
export function relations(field: string | undefined): string[] {
  return (field ?? '')
    .split(',')
    .map((r) => r.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

export async function readDebControl(file: string): Promise<PackageInfo> {
  const tar = await controlTar(file);
  const isControl = (name: string) => name.replace(/^\.\//, '') === 'control';
  const control: Buffer[] = [];
  let found = false;
  for await (const entry of readTar([tar], (e, piece) => {
    if (isControl(e.name)) control.push(Buffer.from(piece));
  })) {
    found = isControl(entry.name);
    if (found) break;
  }
  if (!found) throw new PackageFormatError('no control file in the control archive');
  const fields = parseControl(Buffer.concat(control).toString('utf8'));
  const name = fields.get('Package');
  const version = fields.get('Version');
  if (!name || !version) throw new PackageFormatError('control file without Package or Version');
  const maintainer = fields.get('Maintainer');
  return {
    format: 'deb',
    name,
    version,
    arch: fields.get('Architecture') ?? 'all',
    depends: [...relations(fields.get('Pre-Depends')), ...relations(fields.get('Depends'))],
    ...(maintainer ? { supplier: maintainer } : {}),
  };
}
