/**
 * Before any marker moves, every release it would point at must be published at
 * the destination: `<root>[/fast]/<version>/` holds at least one object, and when
 * publish-binaries published there (the release manifest says so) its index.json,
 * which it writes last, is present.
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
  { root, fast, manifest }: { root: string; fast: boolean; manifest: ReleaseManifest | undefined },
): Promise<string> {
  const dir = releaseDir(root, version, fast);
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
