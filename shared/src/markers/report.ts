/** The job summary of a run: one row per marker decision, then where the index is. */
import { Summary } from '../core/summary.ts';
import type { UpdateMarkersResult } from './update-markers.ts';

export function markersSummary(result: UpdateMarkersResult): Summary {
  const summary = new Summary().heading(result.dryRun ? 'Version markers (dry run: nothing written)' : 'Version markers');
  summary.table(
    ['Marker', 'Version', 'From', 'To', 'Action'],
    result.decisions.map((d) => [
      d.key,
      d.version,
      d.from ?? '(none)',
      d.to,
      d.action === 'skip' ? `skip: ${d.reason}` : d.action,
    ]),
  );
  const moved = Object.keys(result.updated).length;
  const index = result.dryRun ? 'not written (dry run)' : result.index.written ? 'rewritten' : 'unchanged';
  return summary.paragraph(
    `${moved} marker(s) ${result.dryRun ? 'would move' : 'moved'}, ${Object.keys(result.skipped).length} left as they were. Index ${result.index.url}: ${index}.`,
  );
}
