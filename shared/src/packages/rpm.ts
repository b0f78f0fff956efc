/**
 * The .rpm writer: lead, signature header (sizes, SHA-256/SHA-1 of the header, MD5 of header and payload, and an
 * OpenPGP signature of the header when a signer is given), the immutable main header, and a cpio payload.
 * Tag numbers are rpm's (lib/rpmtag.h).
 */
import { createHash } from 'node:crypto';
import { compressBlocks } from './compress.ts';
import { type CpioEntry, cpioBlocks } from './cpio.ts';
import { RPMSENSE, rpmDependency } from './depends.ts';
import { bin, i18n, int16, int32, string, strings, type TagValue, writeHeader } from './rpm-header.ts';
import { isConfig, isRegular, type PackageFile, type PackageSpec, type ScriptName } from './spec.ts';

/** Signs the main header's bytes: a detached binary OpenPGP signature. */
export type HeaderSigner = (header: Buffer) => Promise<Uint8Array>;

const SIG = { SIZE: 1000, MD5: 1004, PAYLOADSIZE: 1007, DSA: 267, RSA: 268, SHA1: 269, SHA256: 273 } as const;
const HEADER_SIGNATURES = 62;
const HEADER_IMMUTABLE = 63;
const FILE_FLAGS = { CONFIG: 1, NOREPLACE: 16, GHOST: 64 };
const MODE_TYPE = { dir: 0o040000, symlink: 0o120000, file: 0o100000 };

const SCRIPTS: Record<ScriptName, { tag: number; prog: number; sense: number }> = {
  preinstall: { tag: 1023, prog: 1085, sense: RPMSENSE.PRE },
  postinstall: { tag: 1024, prog: 1086, sense: RPMSENSE.POST },
  preremove: { tag: 1025, prog: 1087, sense: RPMSENSE.PREUN },
  postremove: { tag: 1026, prog: 1088, sense: RPMSENSE.POSTUN },
};

/** The lead's and the file name's architecture-neutral `name-version-release`. */
export function rpmNevr(spec: Pick<PackageSpec, 'name' | 'version' | 'release'>): string {
  return `${spec.name}-${spec.version}-${spec.release}`;
}

function lead(spec: PackageSpec): Buffer {
  const buf = Buffer.alloc(96);
  Buffer.from([0xed, 0xab, 0xee, 0xdb, 3, 0]).copy(buf, 0);
  buf.writeUInt16BE(0, 6); // binary
  buf.writeUInt16BE(1, 8);
  buf.write(rpmNevr(spec).slice(0, 65), 10, 'utf8');
  buf.writeUInt16BE(1, 76); // linux
  buf.writeUInt16BE(5, 78); // signature in a header
  return buf;
}

function fileMode(file: PackageFile): number {
  if (file.type === 'dir') return MODE_TYPE.dir | file.mode;
  if (file.type === 'symlink') return MODE_TYPE.symlink | 0o777;
  return MODE_TYPE.file | file.mode;
}

function fileFlags(file: PackageFile): number {
  if (file.type === 'ghost') return FILE_FLAGS.GHOST;
  if (file.type === 'config|noreplace') return FILE_FLAGS.CONFIG | FILE_FLAGS.NOREPLACE;
  return isConfig(file) ? FILE_FLAGS.CONFIG : 0;
}

interface DepTags {
  names: string[];
  flags: number[];
  versions: string[];
}

function depTags(deps: readonly { name: string; flags: number; version: string }[]): DepTags {
  return { names: deps.map((d) => d.name), flags: deps.map((d) => d.flags), versions: deps.map((d) => d.version) };
}

function setDeps(tags: Map<number, TagValue>, [name, flags, version]: [number, number, number], deps: DepTags): void {
  if (deps.names.length === 0) return;
  tags.set(name, strings(deps.names));
  tags.set(flags, int32(...deps.flags));
  tags.set(version, strings(deps.versions));
}

function evr(spec: PackageSpec): string {
  return `${spec.epoch ? `${spec.epoch}:` : ''}${spec.version}-${spec.release}`;
}

function requires(spec: PackageSpec, compression: string): DepTags {
  const rpmlib = (name: string, version: string) => ({
    name: `rpmlib(${name})`,
    flags: RPMSENSE.RPMLIB | RPMSENSE.LESS | RPMSENSE.EQUAL,
    version,
  });
  const deps = spec.depends.map(rpmDependency);
  for (const [script, { sense }] of Object.entries(SCRIPTS))
    if (spec.scripts[script as ScriptName] !== undefined)
      deps.push({ name: '/bin/sh', flags: RPMSENSE.INTERP | sense, version: '' });
  deps.push(
    rpmlib('CompressedFileNames', '3.0.4-1'),
    rpmlib('FileDigests', '4.6.0-1'),
    rpmlib('PayloadFilesHavePrefix', '4.0-1'),
  );
  if (compression === 'zstd') deps.push(rpmlib('PayloadIsZstd', '5.4.18-1'));
  return depTags(deps);
}

function fileTags(tags: Map<number, TagValue>, files: readonly PackageFile[]): void {
  const dirs: string[] = [];
  const dirIndex = new Map<string, number>();
  const indexes = files.map((f) => {
    const dir = f.dst.slice(0, f.dst.lastIndexOf('/') + 1);
    if (!dirIndex.has(dir)) {
      dirIndex.set(dir, dirs.length);
      dirs.push(dir);
    }
    return dirIndex.get(dir) as number;
  });
  const regular = (f: PackageFile) => isRegular(f);
  tags.set(
    1028,
    int32(
      ...files.map((f) =>
        regular(f)
          ? (f.data?.length ?? 0)
          : f.type === 'symlink'
            ? Buffer.byteLength(f.linkTarget ?? '')
            : f.type === 'dir'
              ? 4096
              : 0,
      ),
    ),
  );
  tags.set(1030, int16(...files.map(fileMode)));
  tags.set(1033, int16(...files.map(() => 0)));
  tags.set(1034, int32(...files.map((f) => f.mtime)));
  tags.set(
    1035,
    strings(
      files.map((f) =>
        regular(f)
          ? createHash('sha256')
              .update(f.data ?? '')
              .digest('hex')
          : '',
      ),
    ),
  );
  tags.set(1036, strings(files.map((f) => (f.type === 'symlink' ? (f.linkTarget ?? '') : ''))));
  tags.set(1037, int32(...files.map(fileFlags)));
  tags.set(1039, strings(files.map((f) => f.owner)));
  tags.set(1040, strings(files.map((f) => f.group)));
  tags.set(1045, int32(...files.map(() => 0xffffffff)));
  tags.set(1095, int32(...files.map(() => 1)));
  tags.set(1096, int32(...files.map((_, i) => i + 1)));
  tags.set(1097, strings(files.map(() => '')));
  tags.set(1116, int32(...indexes));
  tags.set(1117, strings(files.map((f) => f.dst.slice(f.dst.lastIndexOf('/') + 1))));
  tags.set(1118, strings(dirs));
  tags.set(5011, int32(8)); // SHA-256 file digests
}

function mainHeader(spec: PackageSpec, files: readonly PackageFile[], payloadDigest: string): Buffer {
  const { compression } = spec.rpm;
  const tags = new Map<number, TagValue>([
    [100, strings(['C'])],
    [1000, string(spec.name)],
    [1001, string(spec.version)],
    [1002, string(spec.release)],
    [1004, i18n(spec.rpm.summary)],
    [1005, i18n(spec.description.trim() || spec.rpm.summary)],
    [1006, int32(spec.mtime)],
    [1007, string('release-actions')],
    [1009, int32(files.reduce((sum, f) => sum + (isRegular(f) ? (f.data?.length ?? 0) : 0), 0))],
    [1014, string(spec.license || 'unknown')],
    [1016, i18n(spec.rpm.group || 'Unspecified')],
    [1021, string('linux')],
    [1022, string(spec.arch)],
    [1044, string(`${rpmNevr(spec)}.src.rpm`)],
    [1064, string('4.18.0')],
    [1124, string('cpio')],
    [1125, string(compression === 'none' ? 'identity' : compression)],
    [1126, string(compression === 'zstd' ? '19' : '9')],
    [5062, string('utf-8')],
    [5092, strings([payloadDigest])],
    [5093, int32(8)],
  ]);
  if (spec.epoch) tags.set(1003, int32(Number(spec.epoch)));
  if (spec.vendor) tags.set(1011, string(spec.vendor));
  if (spec.rpm.packager || spec.maintainer) tags.set(1015, string(spec.rpm.packager || spec.maintainer));
  if (spec.homepage) tags.set(1020, string(spec.homepage));
  for (const [script, { tag, prog }] of Object.entries(SCRIPTS)) {
    const body = spec.scripts[script as ScriptName];
    if (body === undefined) continue;
    tags.set(tag, string(body));
    tags.set(prog, string('/bin/sh'));
  }
  if (files.length > 0) fileTags(tags, files);
  const self = { name: spec.name, flags: RPMSENSE.EQUAL, version: evr(spec) };
  const selfArch = { ...self, name: `${spec.name}(${spec.arch === 'x86_64' ? 'x86-64' : spec.arch})` };
  setDeps(
    tags,
    [1047, 1112, 1113],
    depTags([...spec.provides.map(rpmDependency), self, ...(spec.arch === 'noarch' ? [] : [selfArch])]),
  );
  setDeps(tags, [1049, 1048, 1050], requires(spec, compression));
  setDeps(tags, [1054, 1053, 1055], depTags(spec.conflicts.map(rpmDependency)));
  setDeps(tags, [1090, 1114, 1115], depTags(spec.replaces.map(rpmDependency)));
  setDeps(tags, [5046, 5048, 5047], depTags(spec.recommends.map(rpmDependency)));
  setDeps(tags, [5049, 5051, 5050], depTags(spec.suggests.map(rpmDependency)));
  return writeHeader(tags, HEADER_IMMUTABLE);
}

function payload(files: readonly PackageFile[]): Buffer[] {
  const entries: CpioEntry[] = [];
  files.forEach((f, i) => {
    if (f.type === 'ghost') return;
    const data = isRegular(f) ? f.data : f.type === 'symlink' ? Buffer.from(f.linkTarget ?? '') : undefined;
    entries.push({ name: `.${f.dst}`, mode: fileMode(f), mtime: f.mtime, ino: i + 1, data });
  });
  return cpioBlocks(entries);
}

const RSA = 1;

/**
 * The public-key algorithm of a binary OpenPGP signature packet (RFC 4880 5.2.3: after the packet header come the
 * version, the signature type and the algorithm): rpm keeps RSA signatures in one tag and every other (DSA,
 * ECDSA, EdDSA) in another.
 */
export function signatureAlgorithm(packet: Uint8Array): number {
  const tag = packet[0] as number;
  let header: number;
  if (tag & 0x40) {
    const first = packet[1] as number;
    header = 1 + (first < 192 ? 1 : first < 224 ? 2 : 5);
  } else header = 1 + ([1, 2, 4][tag & 3] ?? 0);
  return packet[header + 2] as number;
}

export interface RpmFile {
  data: Buffer;
  headerStart: number;
  headerEnd: number;
  archiveSize: number;
}

export async function writeRpm(spec: PackageSpec, signer?: HeaderSigner): Promise<RpmFile> {
  const files = [...spec.files].sort((a, b) => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
  const { data: compressed, size: cpioSize } = await compressBlocks(payload(files), spec.rpm.compression);
  const header = mainHeader(spec, files, createHash('sha256').update(compressed).digest('hex'));
  const sig = new Map<number, TagValue>([
    [SIG.SIZE, int32(header.length + compressed.length)],
    [SIG.MD5, bin(createHash('md5').update(header).update(compressed).digest())],
    [SIG.PAYLOADSIZE, int32(cpioSize)],
    [SIG.SHA1, string(createHash('sha1').update(header).digest('hex'))],
    [SIG.SHA256, string(createHash('sha256').update(header).digest('hex'))],
  ]);
  if (signer) {
    const signature = await signer(header);
    sig.set(signatureAlgorithm(signature) === RSA ? SIG.RSA : SIG.DSA, bin(signature));
  }
  const sigHeader = writeHeader(sig, HEADER_SIGNATURES);
  const pad = Buffer.alloc((8 - (sigHeader.length % 8)) % 8);
  const headerStart = 96 + sigHeader.length + pad.length;
  return {
    data: Buffer.concat([lead(spec), sigHeader, pad, header, compressed]),
    headerStart,
    headerEnd: headerStart + header.length,
    archiveSize: cpioSize,
  };
}
