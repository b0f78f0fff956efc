/**
 * The file inspector: every file's SHA-1, SHA-256, SHA-512 and size in one read
 * on the hashing threads (core/hasher.ts), and, beside that read, what the
 * file is, told by its first bytes: a Go binary (build info read a section at a
 * time), a tarball (members hashed while it streams through gunzip), a .deb or an
 * .rpm (their metadata). What cannot be read as what it claims to be is described
 * as a plain file, with a warning.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { defaultHasher } from '../core/hash.ts';
import { readDebControl } from '../packages/read/deb.ts';
import { readRpmHeader } from '../packages/read/rpm.ts';
import type { AnalysisCache } from './cache.ts';
import { type GoBuildInfo, type GoModule, readGoBuildInfo } from './go-buildinfo.ts';
import type { Checksums, Property, SbomNode } from './model.ts';
import { golangPurl, purl } from './purl.ts';
import { withFileAccess } from './random-access.ts';
import { readTar, TarFormatError } from './tar.ts';

export interface InspectedFile {
  node: SbomNode;
  /** Go modules the file's main module depends on (deduplicated across files by the node's id: purl and replacement). */
  goDeps: SbomNode[];
  warnings: string[];
}

type FileType = 'go' | 'tar' | 'tar.gz' | 'deb' | 'rpm' | 'plain';

const TARBALL = /\.(tar|tar\.gz|tgz)$/;

/** What the first bytes (and, for tarballs, the name) say the file is. */
export function fileType(name: string, head: Buffer): FileType {
  const u32 = head.length >= 4 ? head.readUInt32BE(0) : 0;
  if (u32 === 0x7f454c46 || [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(u32)) return 'go';
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return 'go';
  if (u32 === 0xedabeedb) return 'rpm';
  if (head.toString('latin1', 0, 21) === '!<arch>\ndebian-binary') return 'deb';
  if (TARBALL.test(name)) return head[0] === 0x1f && head[1] === 0x8b ? 'tar.gz' : 'tar';
  return 'plain';
}

export interface InspectOptions {
  /** The release version, for the files' purls. */
  version: string;
  cache?: AnalysisCache;
}

/**
 * The form of what an analysis returns, in every cache key: raised with each change to it, so that a cache filled by
 * an earlier build of the same release of this tool (a moved `@v1`) is not read as this one's results.
 */
export const ANALYSIS_FORM = 2;

/** Inspects `absolute`, described as `relative` (kept whole: bin/<os>/<arch>/<name>). */
export async function inspectFile(absolute: string, relative: string, options: InspectOptions): Promise<InspectedFile> {
  const hashed = defaultHasher.hash(absolute, ['sha1', 'sha256', 'sha512']).result;
  const { cache } = options;
  // With a cache the digest comes first (it is the key); without, the analysis runs beside the hashing.
  const key = cache?.key([String(ANALYSIS_FORM), relative, options.version, ...(await hashed).hex]);
  const hit = key && (await cache?.get<InspectedFile>(key));
  if (hit) return hit;
  const warnings: string[] = [];
  const analysed = analyse(absolute, relative, warnings).catch((err: unknown) => {
    hashed.catch(() => {}); // the analysis error is the one reported
    throw err;
  });
  const [{ size, hex }, found] = await Promise.all([hashed, analysed]);
  const [sha1, sha256, sha512] = hex as [string, string, string];
  const node: SbomNode = {
    id: `file:${relative}`,
    kind: 'file',
    name: relative,
    version: options.version,
    fileName: relative,
    size,
    checksums: { sha1, sha256, sha512 },
    purl: purl('generic', path.posix.basename(relative), {
      version: options.version,
      qualifiers: { checksum: `sha256:${sha256}` },
    }),
    properties: found.properties,
    contains: found.contains,
  };
  const result = { node, goDeps: found.goDeps, warnings };
  if (key) await cache?.put(key, result);
  return result;
}

export interface Analysis {
  properties: Property[];
  contains: SbomNode[];
  goDeps: SbomNode[];
}

const PLAIN: Analysis = { properties: [], contains: [], goDeps: [] };

async function analyse(absolute: string, relative: string, warnings: string[]): Promise<Analysis> {
  const head = await withFileAccess(absolute, (access) => access.read(0, 512));
  const type = fileType(relative, head);
  if (type === 'plain') return PLAIN;
  try {
    if (type === 'go') {
      const info = await withFileAccess(absolute, readGoBuildInfo);
      return info ? goAnalysis(relative, info) : PLAIN;
    }
    if (type === 'tar' || type === 'tar.gz') return { ...PLAIN, contains: await tarMembers(absolute, relative, type) };
    if (type === 'deb') return { ...PLAIN, contains: [packageNode(relative, await readDebControl(absolute))] };
    return { ...PLAIN, contains: [packageNode(relative, await readRpmHeader(absolute))] };
  } catch (err) {
    // A system call's failure (the file vanished, permissions) is no fault of the format's.
    if ((err as { syscall?: string }).syscall) throw err;
    warnings.push(`${relative}: not a readable ${type} (${(err as Error).message}); described as a plain file`);
    return PLAIN;
  }
}

/** A dependency's id: its purl and, as `go version -m` prints it, what replaced it (two replacements, two modules). */
function goDepId(dep: GoModule): string {
  const purl = golangPurl(dep.path, dep.version);
  return dep.replace ? `${purl} => ${[dep.replace.path, dep.replace.version].filter(Boolean).join(' ')}` : purl;
}

export function goAnalysis(relative: string, info: GoBuildInfo): Analysis {
  const properties: Property[] = [
    { name: 'go:version', value: info.goVersion },
    ...(info.path ? [{ name: 'go:path', value: info.path }] : []),
    ...info.settings.map((s) => ({ name: `go:build:${s.key}`, value: s.value })),
  ];
  const goDeps = info.deps.map((dep) => goModuleNode(goDepId(dep), dep));
  const main = info.main ?? (info.path ? { path: info.path, version: '(devel)' } : undefined);
  if (!main) return { properties, contains: [], goDeps };
  const mainNode = goModuleNode(`go-main:${relative}`, main);
  mainNode.properties.push({ name: 'go:main', value: 'true' });
  return { properties, contains: [mainNode], goDeps };
}

function goModuleNode(
  id: string,
  mod: { path: string; version: string; sum?: string; replace?: { path: string; version: string } },
): SbomNode {
  const properties: Property[] = [];
  if (mod.sum) properties.push({ name: 'go:sum', value: mod.sum });
  if (mod.replace) {
    properties.push({ name: 'go:replace:path', value: mod.replace.path });
    properties.push({ name: 'go:replace:version', value: mod.replace.version });
  }
  return {
    id,
    kind: 'go-module',
    name: mod.path,
    ...(mod.version && mod.version !== '(devel)' ? { version: mod.version } : {}),
    purl: golangPurl(mod.path, mod.version),
    properties,
    contains: [],
  };
}

/** A package's metadata, from its own control file or header. */
export interface PackageInfo {
  format: 'deb' | 'rpm';
  name: string;
  version: string;
  arch: string;
  /** Declared dependencies as the package states them (Depends / Requires). */
  depends: string[];
  /** deb: Maintainer; rpm: Vendor or Packager. */
  supplier?: string;
  /** rpm epoch, when set. */
  epoch?: string;
}

function packageNode(relative: string, info: PackageInfo): SbomNode {
  return {
    id: `${info.format}:${relative}`,
    kind: info.format,
    name: info.name,
    version: info.version,
    purl: purl(info.format, info.name, {
      version: info.version,
      qualifiers: { arch: info.arch, ...(info.epoch ? { epoch: info.epoch } : {}) },
    }),
    properties: [
      { name: `${info.format}:arch`, value: info.arch },
      ...(info.supplier ? [{ name: `${info.format}:supplier`, value: info.supplier }] : []),
      ...info.depends.map((d) => ({ name: `${info.format}:depends`, value: d })),
    ],
    contains: [],
  };
}

interface MemberContent {
  size: number;
  checksums: Checksums;
}

const memberName = (name: string) => name.replace(/^\.\//, '');

/** Every regular member and hard link, hashed as it streams by (nothing extracted); sorted by name. */
async function tarMembers(absolute: string, relative: string, type: 'tar' | 'tar.gz'): Promise<SbomNode[]> {
  const file = createReadStream(absolute, { highWaterMark: 1 << 18 });
  const source = type === 'tar.gz' ? file.pipe(createGunzip()) : file;
  let hashes: ReturnType<typeof memberHashes> | undefined;
  const nodes: SbomNode[] = [];
  const contents = new Map<string, MemberContent>();
  try {
    for await (const entry of readTar(source, (_entry, piece) => {
      hashes ??= memberHashes();
      for (const h of hashes.all) h.update(piece);
    })) {
      const h = hashes ?? memberHashes();
      hashes = undefined;
      const name = memberName(entry.name);
      let content: MemberContent | undefined;
      if (entry.type === 'file') {
        content = {
          size: entry.size,
          checksums: { sha1: h.all[0].digest('hex'), sha256: h.all[1].digest('hex'), sha512: h.all[2].digest('hex') },
        };
        contents.set(name, content);
      } else if (entry.type === 'hardlink') {
        // A hard link stores no bytes: extracted, it is a file with its target's, which comes earlier in the archive.
        content = contents.get(memberName(entry.linkname ?? ''));
        if (!content) throw new TarFormatError(`${name}: a hard link to ${entry.linkname}, which is no earlier member`);
      } else continue;
      nodes.push({
        id: `member:${relative}!${name}`,
        kind: 'archive-member',
        name,
        fileName: name,
        ...content,
        properties: [],
        contains: [],
      });
    }
  } finally {
    file.destroy();
    source.destroy();
  }
  return nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function memberHashes() {
  return { all: [createHash('sha1'), createHash('sha256'), createHash('sha512')] as const };
}
