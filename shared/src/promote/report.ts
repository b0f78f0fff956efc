/** promote-images' outputs, job summary (the plan table) and JSON promotion record. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../core/files.ts';
import type { OutputValue } from '../core/run-action.ts';
import { formatBytes, Summary } from '../core/summary.ts';
import { recordProduced, updateManifest } from '../manifest/manifest.ts';
import { PromotionFailedError } from './errors.ts';
import type { PromoteResult } from './promote.ts';

export function promoteOutputs(result: PromoteResult, reportPath: string | undefined): Record<string, OutputValue> {
  return { promoted: result.promoted, skipped: result.skipped, failed: result.failed, report: reportPath ?? '' };
}

export function promoteSummary(result: PromoteResult): Summary {
  const summary = new Summary().heading(
    `promote-images${result.confirmed ? '' : ' (plan only: confirm is false, nothing written)'}`,
  );
  summary.facts({ promoted: result.promoted, skipped: result.skipped, failed: result.failed });
  summary.table(
    ['image', 'digest', 'destination', 'tag', 'action', 'status', 'error'],
    result.edges.map((e) => [e.image, e.digest, e.destination, e.tag ?? '', e.action, e.status, e.error ?? '']),
  );
  const transfers = Object.entries(result.transfers);
  if (transfers.length > 0)
    summary.table(
      ['registry', 'bytes sent', 'blobs uploaded', 'blobs mounted', 'manifests written'],
      transfers.map(([r, s]) => [r, formatBytes(s.bytes), s.uploads, s.mounts, s.manifests]),
    );
  if (result.checks.length > 0)
    summary.table(
      ['mirror', 'digest', 'check', 'signature'],
      result.checks.map((c) => [c.destination, c.digest, c.ok ? 'ok' : c.problems.join('; '), c.signature ?? '']),
    );
  return summary;
}

/** The JSON record of the run (sorted, reproducible), written atomically. */
export async function writeReport(file: string, result: PromoteResult): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  writeAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** Records each promoted reference under its image in the release manifest (`produced.promoted`). */
export async function recordPromoted(manifestFile: string, result: PromoteResult): Promise<void> {
  const done = result.edges.filter((e) => e.status === 'promoted' || e.status === 'skipped');
  if (done.length === 0) return;
  await updateManifest(manifestFile, (manifest) => {
    for (const edge of done) {
      let subject = manifest.images.find((i) => i.digest === edge.digest);
      if (!subject) {
        subject = { reference: `${edge.source}@${edge.digest}`, digest: edge.digest };
        manifest.images.push(subject);
      }
      recordProduced(subject, 'promoted', [`${edge.destination}${edge.tag ? `:${edge.tag}` : ''}@${edge.digest}`]);
    }
    return manifest;
  });
}

/** A confirmed run with failed edges fails the step (after its report and summary are out). */
export function failOnErrors(result: PromoteResult): void {
  if (result.confirmed && result.failed > 0)
    throw new PromotionFailedError(
      result.edges
        .filter((e) => e.status === 'failed')
        .map((e) => `${e.image} → ${e.destination}${e.tag ? `:${e.tag}` : ''}: ${e.error}`),
    );
}
