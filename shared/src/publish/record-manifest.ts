/**
 * Records where each file was published in the release manifest: a subject with
 * the same SHA-256 and size gets the file's URLs at every destination under
 * `produced.published`; a published file the manifest does not list yet is added
 * as a subject (its path relative to the workspace). Generated checksum files are
 * recorded only when the manifest already lists them.
 */
import path from 'node:path';
import { toPosix } from '../core/paths.ts';
import { type FileSubject, recordProduced, updateManifest } from '../manifest/manifest.ts';
import type { PublishResult } from './publish.ts';

export async function recordPublished(
  manifestFile: string,
  workspace: string,
  sourceDir: string,
  result: PublishResult,
): Promise<void> {
  await updateManifest(manifestFile, (manifest) => {
    for (const file of result.files) {
      const urls = result.destinations.flatMap((d) => d.plan.objects.filter((o) => o.file.path === file.path).map((o) => o.url));
      let subjects: FileSubject[] = manifest.files.filter((s) => s.sha256 === file.sha256 && s.size === file.size);
      if (subjects.length === 0 && !file.generated) {
        const relative = toPosix(path.relative(workspace, path.join(sourceDir, file.path)));
        const subject: FileSubject = {
          path: relative.startsWith('..') ? file.path : relative,
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
