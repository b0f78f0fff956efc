/** The job summary and the outputs of a sign or verify run. */
import { formatBytes, Summary } from '../core/summary.ts';
import type { SignArtifactsResult } from './sign-artifacts.ts';
import type { VerifyArtifactsResult } from './verify-artifacts.ts';

export function signSummary(result: SignArtifactsResult): Summary {
  const counts = { signed: 0, unchanged: 0, planned: 0 };
  for (const f of result.files) counts[f.status]++;
  const summary = new Summary().heading(result.dryRun ? 'sign-artifacts (dry run: nothing written)' : 'sign-artifacts');
  summary.facts({
    files: result.files.length,
    signed: counts.signed,
    'unchanged (bundle already verified)': counts.unchanged,
    verified: result.checked ? result.verified : 'not checked (no trusted root for this instance)',
    checksums: result.checksums ?? 'off',
    provenance: result.provenance ? `${result.provenance} (${result.provenanceStatus})` : 'off',
  });
  if (!result.dryRun && counts.signed === 0 && result.provenanceStatus !== 'signed')
    summary.paragraph('Every file already had a bundle that verifies: nothing was signed again.');
  summary.table(
    ['file', 'size', 'sha256', 'status', 'bundle'],
    result.files.map((f) => [f.path, result.dryRun ? '' : formatBytes(f.size), f.sha256.slice(0, 16), f.status, f.bundle]),
  );
  return summary;
}

export function verifySummary(result: VerifyArtifactsResult): Summary {
  return new Summary()
    .heading('sign-artifacts: verify')
    .paragraph(
      `${result.verified} file(s) verified${result.provenance.length > 0 ? `; provenance verified: ${result.provenance.join(', ')}` : ''}.`,
    )
    .table(
      ['file', 'size', 'sha256', 'verified by', 'identity'],
      result.files.map((f) => [f.path, formatBytes(f.size), f.sha256.slice(0, 16), f.via, f.identity ?? 'public key']),
    );
}
