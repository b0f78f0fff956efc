/**
 * Which files a run signs or verifies: the `files` globs below the workspace
 * (Kubernetes' skip list excluded unless `exclude` overrides it, the action's own
 * outputs and the manifest always), plus the file subjects of the release manifest. Every path must stay inside the workspace,
 * symlinks included. Problems are input errors naming `files` (or `manifest`).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UnsafePathError } from '../core/errors.ts';
import { expandGlobs, matchesAny, resolveSafe, toPosix } from '../core/paths.ts';
import type { FileSubject } from '../manifest/manifest.ts';

/**
 * The files sign-artifacts writes — and their names while being written — are never subjects, whatever `exclude`
 * says: signed, they would be signed again on every rerun, and SHA256SUMS would list itself.
 */
export const OWN_OUTPUTS: readonly string[] = [
  '*.sha256',
  '*.sha512',
  'SHA256SUMS',
  'SHA512SUMS',
  '*.sig',
  '*.cert',
  '*.sigstore.json',
  'provenance.json',
  // writeAtomic's temporary names (random hex), left by a run killed mid-write.
  '*.tmp-[0-9a-f]*',
];

/** The rest of what `krel sign blobs` skips: `exclude`'s default. */
export const DEFAULT_EXCLUDE: readonly string[] = ['*.docker_tag', 'README*', 'Makefile', '*.pem'];

export interface SubjectQuery {
  workspace: string;
  files: readonly string[];
  exclude: readonly string[];
  /** File subjects of the release manifest, paths relative to the workspace. */
  manifestFiles?: readonly FileSubject[];
  /** Absolute path of the release manifest: not a subject either (the run rewrites it). */
  manifest?: string;
}

/** Sorted relative POSIX paths of the files to handle. */
export async function findSubjects(query: SubjectQuery): Promise<string[]> {
  const exclude = [...OWN_OUTPUTS, ...query.exclude];
  let matched: string[];
  try {
    matched = await expandGlobs(query.workspace, query.files, { exclude, input: 'files' });
  } catch (err) {
    if (err instanceof UnsafePathError) throw new InputError('files', err.message, { cause: err });
    throw err;
  }
  const found = new Set(matched);
  if (query.manifest) found.delete(toPosix(path.relative(query.workspace, query.manifest)));
  for (const subject of query.manifestFiles ?? []) {
    if (matchesAny(subject.path, exclude)) continue;
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
