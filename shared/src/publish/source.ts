/**
 * The release as it will be published: every file of the staged tree, hashed
 * once (SHA-256 and SHA-512) — the small checksum files in memory, read once and
 * uploaded from there — its existing checksum files checked against its content,
 * and the missing checksum files (SHA256SUMS, SHA512SUMS, `<file>.sha256`/`.sha512`)
 * made in memory; the source tree itself is never written to.
 *
 * The MD5 a store checks uploads with (Content-MD5) is made in that same read for
 * the files the caller expects to upload (`md5`: a destination lacks them). For the
 * others — a rerun's, mostly — it is made only if an upload asks for it, on a
 * worker, in a read that re-checks the SHA-256, so a file changed since it was
 * checked is refused, not sent with a matching MD5.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkDigestFiles, checksumContents, type FileDigests, parseSums, SHA256SUMS, SHA512SUMS } from '../checksums/index.ts';
import { DigestMismatchError, InputError } from '../core/errors.ts';
import { type Digests, type DigestsWithMd5, hashBytes, hashFile, md5File } from '../core/hash.ts';
import { listTree } from '../core/paths.ts';
import { mapPool } from '../core/pool.ts';
import type { Body } from '../storage/storage.ts';
import { INDEX_FILE } from './layout.ts';

export interface SourceFile {
  /** Relative POSIX path inside the release. */
  path: string;
  size: number;
  sha256: string;
  sha512: string;
  /**
   * Hex MD5: the Content-MD5 an upload sends, and what an S3 store's ETag is checked against. Computed on first
   * call (once); rejects with DigestMismatchError if the file is no longer the one hashed.
   */
  md5(): Promise<string>;
  body: Body;
  /** Made by this run (a checksum file the tree lacked). */
  generated: boolean;
}

export interface SourceOptions {
  root: string;
  /** The tree's files, as listSource found them. */
  paths: readonly string[];
  /** Create the checksum files the tree lacks. */
  checksums: boolean;
  /** Files hashed at once. */
  concurrency: number;
  /** Whether to make a file's MD5 in its first read: asked as the file is about to be read. */
  md5?: (path: string) => boolean;
}

const SUMS = new Map<string, 'sha256' | 'sha512'>([
  [SHA256SUMS, 'sha256'],
  [SHA512SUMS, 'sha512'],
]);

/** A checksum file: the SUMS files and every `.sha256` / `.sha512` digest file. */
export function isChecksumFile(relative: string): boolean {
  return SUMS.has(relative) || relative.endsWith('.sha256') || relative.endsWith('.sha512');
}

/** The tree's files (relative, sorted); refuses an empty tree and one that holds a release index already. */
export async function listSource(root: string): Promise<string[]> {
  const paths = await listTree(root);
  if (paths.length === 0) throw new InputError('source-dir', `holds no files: ${root}`);
  if (paths.includes(INDEX_FILE)) {
    throw new InputError('source-dir', `holds ${INDEX_FILE}, the release index publish-binaries writes itself`);
  }
  return paths;
}

/** Hashes and checks the listed tree; adds the missing checksum files when asked. Sorted by path. */
export async function readSource({ root, paths, checksums, concurrency, md5 }: SourceOptions): Promise<SourceFile[]> {
  const digests = new Map<string, Digests | DigestsWithMd5>();
  // Checksum files are a few bytes to a few KiB: one read, hashed and uploaded from memory (no worker round trip,
  // no file opened again to upload). Everything else is hashed on the workers and streamed from disk.
  const held = new Map<string, Buffer>();
  await mapPool(paths, concurrency, async (relative) => {
    const file = path.join(root, relative);
    if (isChecksumFile(relative)) {
      const data = await readFile(file);
      held.set(relative, data);
      digests.set(relative, hashBytes(data));
    } else {
      digests.set(relative, md5?.(relative) ? await hashFile(file, { md5: true }) : await hashFile(file));
    }
  });
  // Every file's own .sha256/.sha512 must agree with it (SUMS files included), and so must the SUMS lines: all
  // checked against the bytes read above.
  const text = (relative: string) => held.get(relative)?.toString('utf8');
  for (const relative of paths.filter((p) => !p.endsWith('.sha256') && !p.endsWith('.sha512')))
    checkDigestFiles(relative, digests.get(relative) as Digests, {
      sha256: text(`${relative}.sha256`),
      sha512: text(`${relative}.sha512`),
    });
  for (const sums of paths.filter((p) => SUMS.has(p))) checkSumsFile(sums, text(sums) as string, digests);

  const files: SourceFile[] = paths.map((relative) => {
    const d = digests.get(relative) as Digests | DigestsWithMd5;
    const data = held.get(relative);
    const file = path.join(root, relative);
    return {
      path: relative,
      size: d.size,
      sha256: d.sha256,
      sha512: d.sha512,
      md5: data ? md5OfBytes(data) : 'md5' in d ? async () => d.md5 : md5OfFile(file, relative, d),
      body: data ? { data } : { file },
      generated: false,
    };
  });
  return checksums ? [...files, ...missingChecksumFiles(files)].sort(byPath) : files;
}

function checkSumsFile(sums: string, text: string, digests: ReadonlyMap<string, Digests>): void {
  const algorithm = SUMS.get(sums) as 'sha256' | 'sha512';
  for (const entry of parseSums(text)) {
    const actual = digests.get(entry.path)?.[algorithm];
    if (actual !== entry.hex)
      throw new DigestMismatchError(`${entry.path} (listed in ${sums})`, entry.hex, actual ?? 'no such file');
  }
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
    if (subject) made.set(relative, subject[digest?.[2] as 'sha256' | 'sha512']);
  }
  return [...made].map(([relative, content]) => {
    const data = Buffer.from(content);
    return { path: relative, ...hashBytes(data), md5: md5OfBytes(data), body: { data }, generated: true };
  });
}

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= compute();
    return result;
  };
}

function md5OfBytes(data: Buffer): () => Promise<string> {
  return once(async () => createHash('md5').update(data).digest('hex'));
}

function md5OfFile(file: string, relative: string, hashed: Digests): () => Promise<string> {
  return once(async () => {
    const now = await md5File(file);
    if (now.size !== hashed.size || now.sha256 !== hashed.sha256)
      throw new DigestMismatchError(
        `${relative} (changed since it was hashed)`,
        `sha256:${hashed.sha256}`,
        `sha256:${now.sha256}`,
      );
    return now.md5;
  });
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
