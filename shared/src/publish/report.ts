/** The outputs and job summary of a publish: counts, bytes, URLs, and a table per destination. */
import type { OutputValue } from '../core/run-action.ts';
import { formatBytes, Summary } from '../core/summary.ts';
import type { PublishResult } from './publish.ts';

export function publishOutputs(result: PublishResult): Record<string, OutputValue> {
  const sum = (f: (d: PublishResult['destinations'][number]) => number) => result.destinations.reduce((n, d) => n + f(d), 0);
  return {
    urls: result.destinations.flatMap((d) => d.urls),
    index: Object.fromEntries(result.destinations.map((d) => [d.name, d.indexUrl])),
    uploaded: sum((d) => d.uploaded),
    skipped: sum((d) => d.skipped),
    'bytes-uploaded': sum((d) => d.bytesUploaded),
  };
}

export function publishSummary(result: PublishResult): Summary {
  const summary = new Summary().heading(
    `publish-binaries ${result.version}${result.dryRun ? ' (dry run: nothing written)' : ''}`,
  );
  summary.table(
    ['destination', 'uploaded', 'skipped', 'bytes', 'index', 'state'],
    result.destinations.map((d) => [
      d.name,
      d.uploaded,
      d.skipped,
      formatBytes(d.bytesUploaded),
      d.indexUrl,
      result.dryRun
        ? 'planned'
        : d.plan.objects.some((o) => o.reason === 'indexed')
          ? 'sizes match the release index (contents not re-read)'
          : d.releaseUrl
            ? `verified, release published: ${d.releaseUrl}`
            : 'verified, index written',
    ]),
  );
  for (const d of result.destinations) {
    if (!d.missingGuarantees?.length) continue;
    summary.heading(`${d.name}: not guaranteed by this store`, 3);
    summary.list(d.missingGuarantees);
  }
  for (const d of result.destinations) {
    const changed = d.plan.objects.filter((o) => o.action === 'upload');
    if (changed.length === 0) continue;
    summary.heading(`${d.name}: ${result.dryRun ? 'would upload' : 'uploaded'}`, 3);
    summary.table(
      ['file', 'size', 'why', 'sha256'],
      changed.map((o) => [o.file.path, formatBytes(o.file.size), o.reason, o.file.sha256]),
    );
  }
  return summary;
}
