/**
 * What publish-binaries relies on a store for, and which of it a store's
 * capabilities (storage/capabilities.ts) do not give: said in the log and the
 * summary instead of being dropped silently.
 */
import type { Capabilities } from '../storage/storage.ts';

export function missingPublishGuarantees(capabilities: Capabilities): string[] {
  const missing: string[] = [];
  if (!capabilities.conditionalCreate)
    missing.push('create-only release index: two runs publishing this version at once could both write index.json, unnoticed');
  if (!capabilities.serverChecksum)
    missing.push('store-side SHA-256 check: the store does not refuse other bytes; only the read-back checks them');
  // With the store's own checksums (S3 checksum mode) an opaque ETag costs nothing: the HEAD's checksum proves the bytes.
  if (capabilities.etag === 'opaque' && !capabilities.storeChecksums)
    missing.push('content ETags: an object uploaded in parts cannot be verified from its ETag and is read back in full');
  const why = capabilities.notes.length > 0 ? ` (${capabilities.notes.join('; ')})` : '';
  return missing.map((m, i) => (i === 0 ? `${m}${why}` : m));
}
