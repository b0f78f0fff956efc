/**
 * Records where each file was published in the release manifest: the subject at
 * the file's path — else one with the same SHA-256 and size recorded under another
 * path (not another published file's) — gets the file's URLs at every destination
 * under `produced.published`; a subject at the path with other bytes is refused
 * (the file changed after it was recorded): checked before anything is sent
 * (checkRecorded), and again here. A published file the manifest does not
 * list yet is added as a subject (its path relative to the workspace). Generated
 * checksum files are recorded only when the manifest already lists them.
 */
import path from 'node:path';
import { DigestMismatchError } from '../core/errors.ts';
import { toPosix } from '../core/paths.ts';
import { type FileSubject, readManifest, recordProduced, updateManifest } from '../manifest/manifest.ts';
import type { ReleaseIdRecord } from '../storage/github-release-storage.ts';
import type { PublishResult } from './publish.ts';
import type { SourceTree } from './source.ts';

/** The release manifest as a publish reads it before anything is sent. */
export interface RecordedFiles {
  /** The manifest's file subjects, their paths relative to `workspace`. */
  files: readonly FileSubject[];
  workspace: string;
}

type Digested = Pick<FileSubject, 'path' | 'size' | 'sha256'>;

/** A file's path in the manifest: relative to the workspace, or as in the tree when the tree is outside it. */
function manifestPath(workspace: string, sourceDir: string): (relative: string) => string {
  return (relative) => {
    const inWorkspace = toPosix(path.relative(workspace, path.join(sourceDir, relative)));
    return inWorkspace.startsWith('..') ? relative : inWorkspace;
  };
}

/** Throws for the first file the manifest records other bytes for at its path: not the bytes its URLs will serve. */
function refuseOtherBytes(subjects: readonly FileSubject[], pathOf: (relative: string) => string, files: readonly Digested[]) {
  for (const file of files) {
    const other = subjects.find((s) => s.path === pathOf(file.path) && (s.sha256 !== file.sha256 || s.size !== file.size));
    if (other)
      throw new DigestMismatchError(`${other.path} (release manifest; published from ${file.path})`, other.sha256, file.sha256);
  }
}

/**
 * Refuses, before anything is sent, a release whose files the manifest records with other bytes (a file changed after
 * it was recorded), as recordPublished would once everything is published. The tree's files are checked at once; a
 * checksum file the run makes only if the manifest records one at its path (then once every file is hashed).
 */
export async function checkRecorded(recorded: RecordedFiles, sourceDir: string, tree: SourceTree): Promise<void> {
  const pathOf = manifestPath(recorded.workspace, sourceDir);
  refuseOtherBytes(recorded.files, pathOf, tree.files);
  const paths = new Set(recorded.files.map((s) => s.path));
  const inTree = new Set(tree.files.map((f) => f.path));
  const made = tree.paths.filter((p) => !inTree.has(p) && paths.has(pathOf(p)));
  if (made.length > 0)
    refuseOtherBytes(
      recorded.files,
      pathOf,
      (await tree.complete()).filter((f) => made.includes(f.path)),
    );
}

export async function recordPublished(
  manifestFile: string,
  workspace: string,
  sourceDir: string,
  result: PublishResult,
): Promise<void> {
  const pathOf = manifestPath(workspace, sourceDir);
  const published = new Set(result.files.map((f) => pathOf(f.path)));
  await updateManifest(manifestFile, (manifest) => {
    // Checked before anything was sent; again here, as another step may have recorded these paths since.
    refuseOtherBytes(manifest.files, pathOf, result.files);
    for (const file of result.files) {
      const urls = result.destinations.flatMap((d) => d.plan.objects.filter((o) => o.file.path === file.path).map((o) => o.url));
      // The subject at the file's own path; else one recorded elsewhere (a build's output folder) with its bytes,
      // unless that is another published file's own (two files with the same bytes keep their own subjects).
      const own = manifest.files.filter((s) => s.path === pathOf(file.path));
      let subjects: FileSubject[] =
        own.length > 0
          ? own
          : manifest.files.filter((s) => s.sha256 === file.sha256 && s.size === file.size && !published.has(s.path));
      if (subjects.length === 0 && !file.generated) {
        const subject: FileSubject = {
          path: pathOf(file.path),
          size: file.size,
          sha256: file.sha256,
          sha512: file.sha512,
        };
        manifest.files.push(subject);
        subjects = [subject];
      }
      for (const subject of subjects) recordProduced(subject, 'published', urls);
    }
    manifest.version ??= result.version;
    return manifest;
  });
}

/**
 * The release manifest as the record of the GitHub releases a run made: a draft's id is written as soon as the draft
 * exists, so a rerun after a failure asks for it by id (GitHub lists only the newest releases usefully).
 */
export function manifestReleaseIds(manifestFile: string): ReleaseIdRecord {
  // GitHub's owner and repository names are case-insensitive.
  const same = (repository: string, owner: string, repo: string) => repository.toLowerCase() === `${owner}/${repo}`.toLowerCase();
  return {
    async recall({ owner, repo, tag }) {
      const manifest = await readManifest(manifestFile);
      return manifest.githubReleases?.find((r) => same(r.repository, owner, repo) && r.tag === tag)?.id;
    },
    async remember({ owner, repo, tag, id }) {
      await updateManifest(manifestFile, (manifest) => {
        const others = (manifest.githubReleases ?? []).filter((r) => !(same(r.repository, owner, repo) && r.tag === tag));
        manifest.githubReleases = [...others, { repository: `${owner}/${repo}`, tag, id }];
        return manifest;
      });
    },
  };
}
