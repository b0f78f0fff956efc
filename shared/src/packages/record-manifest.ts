/** Records the packages built in the release manifest (paths relative to the workspace). */
import path from 'node:path';
import { toPosix } from '../core/paths.ts';
import { updateManifest } from '../manifest/manifest.ts';
import type { BuildResult } from './build.ts';

export async function recordPackages(manifest: string, workspace: string, result: BuildResult): Promise<void> {
  await updateManifest(manifest, (current) => {
    const fresh = result.packages.map((p) => ({
      path: toPosix(path.relative(workspace, p.path)),
      format: p.format,
      name: p.name,
      version: p.version,
      architecture: p.arch,
      sha256: p.sha256,
    }));
    const paths = new Set(fresh.map((p) => p.path));
    current.packages = [...current.packages.filter((p) => !paths.has(p.path)), ...fresh];
    return current;
  });
}
