/**
 * Which files a run signs or verifies: the `files` globs below the workspace
 * (Kubernetes' skip list excluded unless `exclude` overrides it), plus the file
 * subjects of the release manifest. Every path must stay inside the workspace,
 * symlinks included. Problems are input errors naming `files` (or `manifest`).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UnsafePathError } from '../core/errors.ts';
import { expandGlobs, matchesAny, resolveSafe } from '../core/paths.ts';
import type { FileSubject } from '../manifest/manifest.ts';

/** What `krel sign blobs` skips, plus the files this action writes itself. */
export const DEFAULT_EXCLUDE: readonly string[] = [
  '*.sha256',
  '*.sha512',
  'SHA256SUMS',
  'SHA512SUMS',
  '*.docker_tag',
  'README*',
  'Makefile',
  '*.sig',
  '*.cert',
  '*.pem',
  '*.sigstore.json',
  'provenance.json',
];

export interface SubjectQuery {
  workspace: string;
  files: readonly string[];
  exclude: readonly string[];
  /** File subjects of the release manifest, paths relative to the workspace. */
  manifestFiles?: readonly FileSubject[];
}

/** Sorted relative POSIX paths of the files to handle. */
export async function findSubjects(query: SubjectQuery): Promise<string[]> {
  let matched: string[];
  try {
    matched = await expandGlobs(query.workspace, query.files, { exclude: query.exclude, input: 'files' });
  } catch (err) {
    if (err instanceof UnsafePathError) throw new InputError('files', err.message, { cause: err });
    throw err;
  }
  const found = new Set(matched);
  for (const subject of query.manifestFiles ?? []) {
    if (matchesAny(subject.path, query.exclude)) continue;
    try {
      await access(await resolveSafe(query.workspace, subject.path));
    } catch (err) {
      throw new InputError('manifest', `file subject ${subject.path} cannot be used (${(err as Error).message})`, { cause: err });
    }
    found.add(subject.path);
  }
  if (found.size === 0) throw new InputError('files', 'matches only excluded files (see the exclude input)');
  return [...found].sort();
}

/**
 * The release root: the deepest folder holding every subject. SHA256SUMS,
 * SHA512SUMS and the provenance go there, with paths relative to it (as
 * Kubernetes publishes `bin/linux/amd64/kubectl` in SHA256SUMS).
 */
export function releaseRoot(subjects: readonly string[]): string {
  const dirs = subjects.map((s) =>
    path.posix
      .dirname(s)
      .split('/')
      .filter((p) => p !== '.'),
  );
  const first = dirs[0] ?? [];
  let depth = 0;
  while (depth < first.length && dirs.every((d) => d[depth] === first[depth])) depth++;
  return first.slice(0, depth).join('/') || '.';
}

/** `subject` relative to `root` (both relative POSIX paths). */
export function relativeTo(root: string, subject: string): string {
  return root === '.' ? subject : path.posix.relative(root, subject);
}
