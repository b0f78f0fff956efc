/**
 * Before any marker moves, every release it would point at must be published at
 * the destination: its index.json, which publish-binaries writes last, is present
 * at `<root>[/fast]/<version>/` — a release without it is not published. For a
 * release published by other tools (`requireIndex` off), at least one object under
 * the folder is enough, unless the release manifest records files publish-binaries
 * published there.
 */
import type { ReleaseManifest } from '../manifest/manifest.ts';
import { INDEX_FILE } from '../publish/layout.ts';
import type { Storage } from '../storage/storage.ts';
import { ReleaseMissingError } from './errors.ts';
import { releaseDir } from './names.ts';
import type { Version } from './version.ts';

/** True when the manifest records a file published under the release folder. */
export function publishedThere(manifest: ReleaseManifest | undefined, storage: Storage, dir: string): boolean {
  if (!manifest) return false;
  const indexUrl = storage.urlFor(`${dir}/${INDEX_FILE}`);
  const prefix = indexUrl.slice(0, indexUrl.length - INDEX_FILE.length);
  return manifest.files.some((f) => f.produced?.published?.some((url) => url.startsWith(prefix)));
}

export async function checkReleasePublished(
  storage: Storage,
  version: Version,
  {
    root,
    fast,
    manifest,
    requireIndex,
  }: { root: string; fast: boolean; manifest: ReleaseManifest | undefined; requireIndex: boolean },
): Promise<string> {
  const dir = releaseDir(root, version, fast);
  if (requireIndex) {
    if (!(await storage.stat(`${dir}/${INDEX_FILE}`)))
      throw new ReleaseMissingError(
        version.text,
        `is not published: ${dir}/${INDEX_FILE} (written last by publish-binaries) is missing at ${storage.location} (for a release published by other tools, which write none, set require-index: false)`,
      );
    return dir;
  }
  let found = false;
  for await (const _object of storage.list(`${dir}/`)) {
    found = true;
    break;
  }
  if (!found) throw new ReleaseMissingError(version.text, `is not published: nothing under ${storage.location} ${dir}/`);
  if (publishedThere(manifest, storage, dir) && !(await storage.stat(`${dir}/${INDEX_FILE}`))) {
    throw new ReleaseMissingError(
      version.text,
      `is incomplete: ${dir}/${INDEX_FILE} (written last by publish-binaries) is missing at ${storage.location}`,
    );
  }
  return dir;
}
