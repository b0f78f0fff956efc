import { formatBytes, Summary } from '../core/summary.ts';
import type { GenerateSbomResult } from './generate.ts';

/** The job summary: the documents, then what each file and image turned out to be. */
export function sbomSummary(result: GenerateSbomResult): Summary {
  const summary = new Summary()
    .heading('SBOMs')
    .table(
      ['Document', 'Status'],
      result.sboms.map((s) => [s, result.status[s]]),
    )
    .facts({
      Files: result.files.length,
      Images: result.images.length,
      Components: result.components,
      'Go modules': result.goModules,
      Warnings: result.warnings.length,
    });
  if (result.files.length > 0)
    summary.table(
      ['File', 'Size', 'SHA-256', 'Contents'],
      result.files.map((f) => [f.path, formatBytes(f.size), `\`${f.sha256.slice(0, 16)}…\``, f.kind]),
    );
  if (result.images.length > 0)
    summary.table(
      ['Image', 'Platform images', 'Layers'],
      result.images.map((i) => [i.reference, i.platforms, i.layers]),
    );
  if (result.warnings.length > 0) summary.heading('Warnings', 3).list(result.warnings);
  return summary;
}
