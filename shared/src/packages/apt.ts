/**
 * The APT repository's indexes: Packages (+ .gz) and a Release with MD5Sum/SHA256/SHA512 tables, by-hash copies
 * (SHA256 and SHA512), InRelease (clearsigned) and Release.gpg. Two layouts: `flat` (one Packages at the root, as
 * pkgs.k8s.io) and `dists` (dists/<suite>/<component>/binary-<arch>/ with the debs under pool/).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { PgpSigner } from './pgp.ts';

export interface AptEntry {
  /** Path of the .deb relative to the repository root. */
  filename: string;
  /** The control file's text. */
  control: string;
  size: number;
  data?: Buffer;
  /** Digests when known without the bytes (a kept entry). */
  digests?: { md5: string; sha1: string; sha256: string; sha512: string };
  /** dists: the component whose indexes list it (a kept entry's own; the repository's component by default). */
  component?: string;
}

export interface RepoFile {
  path: string;
  data: Buffer | string;
}

/** A stanza as apt-ftparchive writes it: the control fields, the file's location and digests, Description last. */
export function packagesStanza(entry: AptEntry): string {
  const digest = (algorithm: string) =>
    entry.digests?.[algorithm as 'md5'] ??
    createHash(algorithm)
      .update(entry.data ?? '')
      .digest('hex');
  const control = entry.control.trimEnd();
  const at = control.search(/^Description:/m);
  const head = at === -1 ? control : control.slice(0, at).trimEnd();
  const description = at === -1 ? '' : `\n${control.slice(at)}`;
  return `${head}\nFilename: ${entry.filename}\nSize: ${entry.size}\nMD5sum: ${digest('md5')}\nSHA1: ${digest('sha1')}\nSHA256: ${digest('sha256')}\nSHA512: ${digest('sha512')}${description}\n`;
}

/** Parses a Packages file back into entries (the repository's existing packages are kept from it). */
export function parsePackages(text: string): AptEntry[] {
  return text
    .split(/\n\s*\n/)
    .filter((stanza) => stanza.trim() !== '')
    .map((stanza) => {
      const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1] ?? '';
      const control = stanza
        .split('\n')
        .filter((line) => !/^(Filename|Size|MD5sum|SHA1|SHA256|SHA512):/.test(line))
        .join('\n');
      return {
        filename: field('Filename'),
        control: `${control}\n`,
        size: Number(field('Size')),
        digests: { md5: field('MD5sum'), sha1: field('SHA1'), sha256: field('SHA256'), sha512: field('SHA512') },
      };
    });
}

/** Release's SHA256 table read back: each index file's digest and size by its path. */
export function releaseSha256(release: string): Map<string, { sha256: string; size: number }> {
  const table = /^SHA256:\n((?: .*\n?)*)/m.exec(release)?.[1] ?? '';
  const files = new Map<string, { sha256: string; size: number }>();
  for (const m of table.matchAll(/^ ([0-9a-f]{64}) +(\d+) (\S+)$/gm))
    files.set(m[3] as string, { sha256: m[1] as string, size: Number(m[2]) });
  return files;
}

/** The tables apt fetches by (the strongest one Release lists), so the ones with by-hash copies, as Debian's. */
const BY_HASH = ['SHA256', 'SHA512'] as const;

/** `<dir>/Packages` → `<dir>/by-hash/SHA256/<hex>`. */
function byHashPath(file: string, name: (typeof BY_HASH)[number], hex: string): string {
  const dir = path.posix.dirname(file);
  return `${dir === '.' ? '' : `${dir}/`}by-hash/${name}/${hex}`;
}

/**
 * The by-hash copies a Release's SHA256 and SHA512 tables name, relative to its folder: what a reader holding that
 * Release may ask for (Acquire-By-Hash).
 */
export function byHashPaths(release: string): string[] {
  return BY_HASH.flatMap((name) => {
    const table = new RegExp(`^${name}:\\n((?: .*\\n?)*)`, 'm').exec(release)?.[1] ?? '';
    return [...table.matchAll(/^ ([0-9a-f]+) +\d+ (\S+)$/gm)].map(([, hash, file]) =>
      byHashPath(file as string, name, hash as string),
    );
  });
}

function controlField(control: string, name: string): string {
  return new RegExp(`^${name}: (.*)$`, 'm').exec(control)?.[1]?.trim() ?? '';
}

/** RFC 2822 in UTC, as apt reads Release's Date. */
export function releaseDate(date: Date): string {
  return date.toUTCString().replace('GMT', 'UTC');
}

export interface AptRepoOptions {
  layout: 'flat' | 'dists';
  suite: string;
  component: string;
  origin: string;
  label: string;
  date: Date;
  architectures: string[];
}

function indexFiles(dir: string, entries: readonly AptEntry[]): RepoFile[] {
  const sorted = [...entries].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  const text = sorted.map(packagesStanza).join('\n');
  const prefix = dir ? `${dir}/` : '';
  return [
    { path: `${prefix}Packages`, data: text },
    { path: `${prefix}Packages.gz`, data: gzipSync(text, { level: 9 }) },
  ];
}

function hashTable(files: readonly RepoFile[], algorithm: string): string {
  return files
    .map(
      (f) =>
        ` ${createHash(algorithm).update(f.data).digest('hex')} ${Buffer.byteLength(f.data).toString().padStart(8)} ${f.path}`,
    )
    .join('\n');
}

/**
 * The indexes of a repository holding `entries`, paths relative to its base (flat: the repository root; dists:
 * dists/<suite>). `data` files come first, `release` files (Release, InRelease, Release.gpg) must be moved last.
 */
export async function aptIndexes(
  entries: readonly AptEntry[],
  options: AptRepoOptions,
  signer: PgpSigner | undefined,
): Promise<{ base: string; data: RepoFile[]; release: RepoFile[] }> {
  const arches = [...new Set([...options.architectures, ...entries.map((e) => controlField(e.control, 'Architecture'))])]
    .filter((a) => a && a !== 'all')
    .sort();
  // Every component of the suite is indexed again, each with its own entries: Release vouches for all of them.
  const componentOf = (e: AptEntry) => e.component ?? options.component;
  const components = [...new Set([options.component, ...entries.map(componentOf)])].sort();
  const data: RepoFile[] = [];
  if (options.layout === 'flat') data.push(...indexFiles('', entries));
  else
    for (const component of components)
      for (const arch of arches) {
        const mine = entries.filter(
          (e) => componentOf(e) === component && [arch, 'all'].includes(controlField(e.control, 'Architecture')),
        );
        data.push(...indexFiles(`${component}/binary-${arch}`, mine));
      }
  const header = [
    `Origin: ${options.origin}`,
    `Label: ${options.label}`,
    `Suite: ${options.suite}`,
    `Codename: ${options.suite}`,
    `Date: ${releaseDate(options.date)}`,
    `Architectures: ${arches.join(' ')}`,
    ...(options.layout === 'dists' ? [`Components: ${components.join(' ')}`] : []),
    'Acquire-By-Hash: yes',
  ];
  const release = `${header.join('\n')}\nMD5Sum:\n${hashTable(data, 'md5')}\nSHA256:\n${hashTable(data, 'sha256')}\nSHA512:\n${hashTable(data, 'sha512')}\n`;
  const byHash = data.flatMap((f) =>
    BY_HASH.map((name) => ({
      path: byHashPath(f.path, name, createHash(name.toLowerCase()).update(f.data).digest('hex')),
      data: f.data,
    })),
  );
  const releaseFiles: RepoFile[] = [{ path: 'Release', data: release }];
  if (signer) {
    releaseFiles.push({ path: 'Release.gpg', data: await signer.detachArmored(release) });
    releaseFiles.push({ path: 'InRelease', data: await signer.clearsign(release) });
  }
  return { base: options.layout === 'flat' ? '' : `dists/${options.suite}`, data: [...byHash, ...data], release: releaseFiles };
}
