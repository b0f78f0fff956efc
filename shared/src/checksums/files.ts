/**
 * Writes the checksum files of a release tree: SHA256SUMS and SHA512SUMS over the
 * given files at the root, and a `<file>.sha256` / `<file>.sha512` beside every
 * file, the SUMS files included. The per-file digests hold the bare lower-case hex
 * digest with no trailing newline, as dl.k8s.io serves them (`echo "$(cat
 * kubectl.sha256)  kubectl" | sha256sum -c` works either way). A file whose
 * content is already right is left untouched, so a rerun changes nothing.
 */

import { createHash } from 'node:crypto';
import { writeIfChanged } from '../core/files.ts';
import { sha256Hex } from '../core/hash.ts';
import { resolveInside } from '../core/paths.ts';
import { formatSums } from './sums.ts';

export const SHA256SUMS = 'SHA256SUMS';
export const SHA512SUMS = 'SHA512SUMS';

export interface FileDigests {
  /** Relative POSIX path below the root. */
  path: string;
  sha256: string;
  sha512: string;
}

export interface ChecksumFiles {
  /** The two SUMS files with their own digests. */
  sums: FileDigests[];
  /** Every checksum file (relative paths, sorted). */
  paths: string[];
  /** The subset that was created or rewritten by this call. */
  changed: string[];
}

function digestsOf(path: string, content: string): FileDigests {
  return { path, sha256: sha256Hex(content), sha512: createHash('sha512').update(content).digest('hex') };
}

/** The paths of every checksum file checksumContents makes for files at `paths` (pure). */
export function checksumPaths(paths: readonly string[]): string[] {
  return [SHA256SUMS, SHA512SUMS, ...[...paths, SHA256SUMS, SHA512SUMS].flatMap((p) => [`${p}.sha256`, `${p}.sha512`])];
}

/** The contents of every checksum file for `files`, keyed by relative path (pure). */
export function checksumContents(files: readonly FileDigests[]): { contents: Map<string, string>; sums: FileDigests[] } {
  const sum256 = formatSums(files.map((f) => ({ path: f.path, hex: f.sha256 })));
  const sum512 = formatSums(files.map((f) => ({ path: f.path, hex: f.sha512 })));
  const sums = [digestsOf(SHA256SUMS, sum256), digestsOf(SHA512SUMS, sum512)];
  const contents = new Map<string, string>([
    [SHA256SUMS, sum256],
    [SHA512SUMS, sum512],
  ]);
  for (const f of [...files, ...sums]) {
    contents.set(`${f.path}.sha256`, f.sha256);
    contents.set(`${f.path}.sha512`, f.sha512);
  }
  return { contents, sums };
}

/** Writes one file's `<path>.sha256` and `<path>.sha512` (as soon as it is hashed); returns the paths it changed. */
export function writeDigestFiles(root: string, file: FileDigests): string[] {
  const targets = [
    { path: `${file.path}.sha256`, content: file.sha256 },
    { path: `${file.path}.sha512`, content: file.sha512 },
  ].map((t) => ({ ...t, file: resolveInside(root, t.path) }));
  const changed: string[] = [];
  for (const t of targets) if (writeIfChanged(t.file, t.content)) changed.push(t.path);
  return changed;
}

/**
 * Writes every checksum file of `files`. With `digestFilesWritten`, the caller
 * has already written each file's own `.sha256`/`.sha512` (writeDigestFiles):
 * only the SUMS files and theirs are written here.
 */
export function writeChecksumFiles(
  root: string,
  files: readonly FileDigests[],
  options: { digestFilesWritten?: boolean } = {},
): ChecksumFiles {
  const { contents, sums } = checksumContents(files);
  // Stryker disable next-line ArrayDeclaration: a stand-in name skips nothing a tree's checksum files are named
  const skip = new Set(options.digestFilesWritten ? files.flatMap((f) => [`${f.path}.sha256`, `${f.path}.sha512`]) : []);
  // Every path is checked before anything is written.
  const targets = [...contents]
    .filter(([path]) => !skip.has(path))
    .map(([path, content]) => ({ path, file: resolveInside(root, path), content }));
  const changed = targets.filter(({ file, content }) => writeIfChanged(file, content)).map((t) => t.path);
  return { sums, paths: [...contents.keys()].sort(), changed: changed.sort() };
}
