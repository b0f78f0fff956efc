/** build-packages' outputs and job summary. */
import type { OutputValue } from '../core/run-action.ts';
import { formatBytes, Summary } from '../core/summary.ts';
import type { BuildResult } from './build.ts';

export function buildOutputs(result: BuildResult): Record<string, OutputValue> {
  return {
    packages: result.packages.map(({ path, format, name, version, arch, sha256 }) => ({
      path,
      format,
      name,
      version,
      arch,
      sha256,
    })),
    'repository-dir': result.repositoryDir ?? '',
    'public-key': result.publicKey ?? '',
  };
}

export function buildSummary(result: BuildResult): Summary {
  const summary = new Summary().heading(result.dryRun ? 'build-packages (dry run)' : 'build-packages');
  if (result.dryRun) return summary.paragraph('Dry run: the plan is in the log; nothing was written.');
  summary.table(
    ['Package', 'Format', 'Version', 'Arch', 'Size', 'SHA-256'],
    result.packages.map((p) => [p.name, p.format, p.version, p.arch, formatBytes(p.size), p.sha256]),
  );
  if (result.repositories.length > 0)
    summary.table(
      ['Repository', 'Format', 'Packages', 'Kept', 'Files written'],
      result.repositories.map((r) => [r.root, r.format, r.packages, r.kept, r.changed.length]),
    );
  if (result.changed.length === 0) summary.paragraph('Nothing changed: every file already held these bytes.');
  return summary;
}
