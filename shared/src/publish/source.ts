/**
 * The release as it will be published: every file of the staged tree, checked against the tree's checksum files, and
 * the checksum files the tree lacks made in memory (the source tree is never written to). What each file needs:
 * - its SHA-256, in a first read before anything is sent, every SHA-256 claim checked (and its SHA-512 in that read
 *   when nothing is to be uploaded or only SHA-512 claims speak for it): any claim failing stops the run, nothing sent;
 * - its SHA-512, in a read of its own at `idle` priority (hasher.ts), claims checked; `checked()` waits for it;
 * - the MD5 an upload sends, when first asked for.
 * The tree's SHA-512 checksum files are sendable once every SHA-512 claim held (asking raises the SHA-512s left);
 * every later read refuses a file changed since the first.
 */

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  checksumContents,
  checksumPaths,
  type FileDigests,
  parseDigestFile,
  parseSums,
  SHA256SUMS,
  SHA512SUMS,
} from '../checksums/index.ts';
import { DigestMismatchError, InputError } from '../core/errors.ts';
import { hashBytes } from '../core/hash.ts';
import type { HashAlgorithm, Hashed, Hasher, Priority } from '../core/hasher.ts';
import { listTree } from '../core/paths.ts';
import { mapPool } from '../core/pool.ts';
import type { Body } from '../storage/storage.ts';
import { INDEX_FILE } from './layout.ts';

/** A file of the release, its SHA-256 known and checked; the rest of its digests made when asked for. */
export interface ReleaseFile {
  /** Relative POSIX path inside the release. */
  path: string;
  size: number;
  sha256: string;
  /**
   * The SHA-512 (hex), once every claim the tree makes about the file holds (for a checksum file of the tree: once
   * every claim about every file holds). Rejects with DigestMismatchError when one does not.
   */
  checked(): Promise<string>;
  /**
   * Resolves once the file may be sent: at once for a file of the tree (its SHA-256 claims held), and for its SHA-256
   * checksum files; a SHA-512 checksum file of the tree waits for every file's SHA-512 claims. Rejects with
   * DigestMismatchError when one does not hold.
   */
  ready(): Promise<void>;
  /** Hex MD5: the Content-MD5 an upload sends, and what an S3 store's ETag is checked against. Made on first call (once). */
  md5(): Promise<string>;
  body: Body;
  /** Made by this run (a checksum file the tree lacked). */
  generated: boolean;
}

/** A release file with every digest made and checked. */
export interface SourceFile extends ReleaseFile {
  sha512: string;
}

export interface SourceTree {
  /** The tree's files, sorted by path. */
  files: ReleaseFile[];
  /** Every path the release will hold: the tree's and those of the checksum files to be made (sorted). */
  paths: string[];
  /** Every file's SHA-512 made and checked, and the missing checksum files made (when asked): the whole release, sorted. */
  complete(): Promise<SourceFile[]>;
}

export interface SourceOptions {
  root: string;
  /** The tree's files, as listSource found them. */
  paths: readonly string[];
  /** Create the checksum files the tree lacks. */
  checksums: boolean;
  /** Files hashed at once. */
  concurrency: number;
  hasher: Hasher;
  /** Whether the file is to be uploaded somewhere (its SHA-512 is then made later): asked as it is first read. */
  upload?: (path: string) => boolean;
}

type Algorithm = 'sha256' | 'sha512';

/** A digest the tree states for a file: in the file's own `.sha256`/`.sha512`, or a line of a SUMS file. */
interface Claim {
  algorithm: Algorithm;
  hex: string;
  /** The file's name in the error that reports it wrong. */
  subject: string;
}

const SUMS = new Map<string, Algorithm>([
  [SHA256SUMS, 'sha256'],
  [SHA512SUMS, 'sha512'],
]);

/** A checksum file: the SUMS files and every `.sha256` / `.sha512` digest file. */
export function isChecksumFile(relative: string): boolean {
  return SUMS.has(relative) || relative.endsWith('.sha256') || relative.endsWith('.sha512');
}

/** A SHA-256 checksum file: SHA256SUMS or a `.sha256` (every claim these make is checked before anything is sent). */
function isSha256File(relative: string): boolean {
  return relative === SHA256SUMS || relative.endsWith('.sha256');
}

/**
 * The tree's files (relative, sorted); refuses an empty tree and one that holds a release index already. Hidden
 * names (a leading '.') are not published: `onHidden` hears of each, for the log.
 */
export async function listSource(root: string, onHidden?: (relative: string) => void): Promise<string[]> {
  const paths = await listTree(root, onHidden);
  if (paths.length === 0) throw new InputError('source-dir', `holds no files: ${root}`);
  if (paths.includes(INDEX_FILE)) {
    throw new InputError('source-dir', `holds ${INDEX_FILE}, the release index publish-binaries writes itself`);
  }
  return paths;
}

/** Every claim the tree's checksum files make, by the path they describe; a malformed checksum file is refused. */
function claimsOf(paths: readonly string[], held: ReadonlyMap<string, Buffer>): Map<string, Claim[]> {
  const claims = new Map<string, Claim[]>(paths.map((p) => [p, []]));
  const add = (relative: string, claim: Claim) => {
    const list = claims.get(relative);
    if (!list) throw new DigestMismatchError(claim.subject, claim.hex, 'no such file');
    list.push(claim);
  };
  for (const [file, data] of held) {
    const text = data.toString('utf8');
    const sums = SUMS.get(file);
    if (sums) {
      for (const entry of parseSums(text))
        add(entry.path, { algorithm: sums, hex: entry.hex, subject: `${entry.path} (listed in ${file})` });
      continue;
    }
    const digest = /^(.*)\.(sha256|sha512)$/.exec(file) as RegExpExecArray;
    const [subject, algorithm] = [digest[1] as string, digest[2] as Algorithm];
    // A digest file of a file the tree lacks is just a file (as before: it is published, not checked).
    if (claims.has(subject)) add(subject, { algorithm, hex: parseDigestFile(subject, algorithm, text), subject });
  }
  return claims;
}

/** Throws DigestMismatchError for the first of the claims in `algorithm` that the digest contradicts. */
function check(claims: readonly Claim[], algorithm: Algorithm, actual: string): void {
  for (const claim of claims) {
    if (claim.algorithm === algorithm && claim.hex !== actual) throw new DigestMismatchError(claim.subject, claim.hex, actual);
  }
}

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= compute();
    return result;
  };
}

/** For what waits for nothing. */
const atOnce = async (): Promise<void> => {};

/** Digests of a file read once already, made in a later read (see reread). */
interface Reread {
  result: Promise<string[]>;
  /** Someone waits for it: raised to `now`. */
  wait(): Promise<string[]>;
}

/**
 * A later read of a file hashed once, for more digests. The same file if its identity says so (stable and unchanged);
 * otherwise — a file changed shortly before the first read, or whose identity changed since (a write, but also a
 * chmod) — only its SHA-256, made again in the same read, tells, and another one is refused.
 */
function reread(
  hasher: Hasher,
  file: string,
  relative: string,
  algorithms: HashAlgorithm[],
  first: Hashed,
  priority: Priority,
): Reread {
  let job = hasher.hash(file, first.stable ? algorithms : ['sha256', ...algorithms], { priority });
  let waited = false;
  const result = (async () => {
    if (first.stable) {
      const again = await job.result;
      if (again.stable && again.identity === first.identity) return again.hex;
      job = hasher.hash(file, ['sha256', ...algorithms], { priority: waited ? 'now' : priority });
    }
    const [sha256, ...hex] = (await job.result).hex;
    if (sha256 !== first.hex[0])
      throw new DigestMismatchError(`${relative} (changed since it was hashed)`, `sha256:${first.hex[0]}`, `sha256:${sha256}`);
    return hex;
  })();
  // Failures reach whoever waits for the digests; one nobody waits for yet is not an unhandled rejection.
  result.catch(() => {});
  return {
    result,
    wait: () => {
      waited = true;
      void job.wait();
      return result;
    },
  };
}

/**
 * A file of the tree: the first read made `algorithms` (every SHA-256 claim held). Its SHA-512, if that read did not
 * make it, is read at `idle` priority from now on, and raised by `checked`.
 */
function fileOnDisk(
  hasher: Hasher,
  root: string,
  relative: string,
  claims: readonly Claim[],
  first: Hashed,
  algorithms: HashAlgorithm[],
): ReleaseFile {
  const file = path.join(root, relative);
  const later = algorithms.includes('sha512') ? undefined : reread(hasher, file, relative, ['sha512'], first, 'idle');
  return {
    path: relative,
    size: first.size,
    sha256: first.hex[0] as string,
    checked: async () => {
      const sha512 = (later ? (await later.wait())[0] : first.hex[algorithms.indexOf('sha512')]) as string;
      check(claims, 'sha512', sha512);
      return sha512;
    },
    ready: atOnce,
    md5: once(async () => (await reread(hasher, file, relative, ['md5'], first, 'now').result)[0] as string),
    body: { file },
    generated: false,
  };
}

/**
 * A file held in memory (a checksum file): every digest made at once; `checked` waits for `claimsHeld` (which raises
 * what it waits for), `ready` for `sendable`.
 */
function fileInMemory(
  relative: string,
  data: Buffer,
  generated: boolean,
  claimsHeld: () => Promise<unknown>,
  sendable: () => Promise<unknown>,
): SourceFile {
  const { size, sha256, sha512 } = hashBytes(data);
  return {
    path: relative,
    size,
    sha256,
    sha512,
    checked: async () => {
      await claimsHeld();
      return sha512;
    },
    ready: async () => {
      await sendable();
    },
    md5: once(async () => createHash('md5').update(data).digest('hex')),
    body: { data },
    generated,
  };
}

/** Every path a publish of the listed tree writes (the index aside): the tree's, and the checksum files it lacks. */
export function publishedPaths(paths: readonly string[], checksums: boolean): string[] {
  if (!checksums) return [...paths].sort();
  const inTree = new Set(paths);
  const made = checksumPaths(paths.filter((p) => !isChecksumFile(p))).filter((p) => !inTree.has(p));
  return [...paths, ...made].sort();
}

/**
 * The files, the largest first (as the file system reports them now; the reads that follow tell their true sizes):
 * hashed in that order, the workers finish together, instead of one hashing the release's largest tarball alone at the
 * end while every upload waits (a Kubernetes tree's server tarballs sort last by name).
 */
function largestFirst(root: string, files: readonly string[]): string[] {
  const sizeOf = (relative: string) => {
    try {
      return statSync(path.join(root, relative)).size;
    } catch {
      // Its read reports why.
      return 0;
    }
  };
  const sizes = new Map(files.map((f) => [f, sizeOf(f)]));
  return [...files].sort((a, b) => (sizes.get(b) as number) - (sizes.get(a) as number));
}

/** Hashes the listed tree and checks what can be checked before anything is sent (see the module comment). */
export async function readSource({
  root,
  paths,
  checksums,
  concurrency,
  hasher,
  upload = () => false,
}: SourceOptions): Promise<SourceTree> {
  // The checksum files first: what they claim decides what each file's first read must make. Read in place: for
  // files of a few bytes, a thread's round trip costs more than the read.
  const held = new Map(paths.filter(isChecksumFile).map((relative) => [relative, readFileSync(path.join(root, relative))]));
  const claims = claimsOf(paths, held);
  const onDisk = new Map<string, ReleaseFile>();
  await mapPool(
    largestFirst(
      root,
      paths.filter((p) => !held.has(p)),
    ),
    concurrency,
    async (relative) => {
      const own = claims.get(relative) as Claim[];
      const sha512Only = own.some((c) => c.algorithm === 'sha512') && !own.some((c) => c.algorithm === 'sha256');
      const algorithms: HashAlgorithm[] = upload(relative) && !sha512Only ? ['sha256'] : ['sha256', 'sha512'];
      const first = await hasher.hash(path.join(root, relative), algorithms).result;
      check(own, 'sha256', first.hex[0] as string);
      const file = fileOnDisk(hasher, root, relative, own, first, algorithms);
      if (algorithms.includes('sha512')) await file.checked();
      onDisk.set(relative, file);
    },
  );
  // Every file's SHA-512 claims, the largest file's first (the shortest tail): waiting for them raises them.
  const all = once(async () => {
    await Promise.all([...onDisk.values()].sort((a, b) => b.size - a.size).map((f) => f.checked()));
  });
  // The checksum files' own claims (a SHA256SUMS.sha256, a SUMS line naming a checksum file) hold or fail now. The
  // SHA-256 ones may be sent at once: every claim they make was checked before anything is sent.
  const inMemory = new Map(
    [...held].map(([relative, data]) => [
      relative,
      fileInMemory(relative, data, false, all, isSha256File(relative) ? atOnce : all),
    ]),
  );
  for (const [relative, file] of inMemory) {
    for (const algorithm of ['sha256', 'sha512'] as const) check(claims.get(relative) as Claim[], algorithm, file[algorithm]);
  }
  const files = paths.map((p) => (onDisk.get(p) ?? inMemory.get(p)) as ReleaseFile);
  return {
    files,
    paths: publishedPaths(paths, checksums),
    complete: once(async () => {
      await all();
      const done: SourceFile[] = await Promise.all([...onDisk.values()].map(async (f) => ({ ...f, sha512: await f.checked() })));
      const complete = [...done, ...inMemory.values()].sort(byPath);
      return checksums ? [...complete, ...missingChecksumFiles(complete)].sort(byPath) : complete;
    }),
  };
}

/** The checksum files the tree lacks, in the format of shared/src/checksums; a digest file of an existing file uses its bytes. */
function missingChecksumFiles(files: readonly SourceFile[]): SourceFile[] {
  const present = new Map(files.map((f) => [f.path, f]));
  const covered: FileDigests[] = files.filter((f) => !isChecksumFile(f.path));
  const { contents } = checksumContents(covered);
  const made = new Map<string, string>();
  for (const [relative, content] of contents) {
    if (!present.has(relative)) made.set(relative, content);
  }
  // A digest file of a SUMS file already in the tree must describe that file, not the one we would write.
  for (const [relative] of made) {
    const digest = /^(.*)\.(sha256|sha512)$/.exec(relative);
    const subject = digest ? present.get(digest[1] as string) : undefined;
    if (subject) made.set(relative, subject[digest?.[2] as Algorithm]);
  }
  return [...made].map(([relative, content]) => fileInMemory(relative, Buffer.from(content), true, atOnce, atOnce));
}

export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
