/**
 * Read-back after upload: every object written is looked at again in the store
 * before the index is written. One listing of the destination vouches for most
 * objects: the size must match, and then either the SHA-256 the listing reports
 * (Azure metadata, GitHub's digest, a folder) or — where a listing carries no
 * digest (S3) — the ETag, or a checksum the store reports beside it (GCS's MD5),
 * when it is one of the content ETags computed from the bytes sent
 * (content-etag.ts): the store's own MD5 of the bytes it holds. Any
 * object the listing cannot vouch for is read back on its own: a HEAD whose ETag is
 * a content ETag; else, where the store derives ETags from the bytes but this one
 * has another form or value (SSE-KMS, or other bytes), its content streamed and
 * hashed; elsewhere its stat'ed SHA-256, or its content when the store reports none.
 * Any difference (missing, other size, other digest) fails the destination.
 */
import { hashStream } from '../core/hash.ts';
import { mapPool } from '../core/pool.ts';
import { isContentEtag } from '../storage/content-etag.ts';
import type { ObjectInfo, Storage } from '../storage/storage.ts';
import { type ObjectMismatch, VerificationFailedError } from './errors.ts';
import { listByUrl } from './listing.ts';

export interface Expected {
  key: string;
  size: number;
  sha256: string;
  /** The ETags the store reports for exactly these bytes, as the upload computed them (S3); absent elsewhere. */
  contentEtags?: readonly string[];
}

/** Whether the store's own digest of what it holds (its ETag, or a checksum beside it) is one of the bytes sent. */
function storeProves(info: ObjectInfo, expected: Expected): boolean {
  // Stryker disable next-line StringLiteral: no stand-in for a missing checksum is a content ETag
  return isContentEtag(info.etag, expected.contentEtags) || isContentEtag(info.checksum ?? '', expected.contentEtags);
}

/** Whether the listing alone shows the object is the one written. */
function vouches(listed: ObjectInfo | undefined, expected: Expected): boolean {
  if (!listed || listed.size !== expected.size) return false;
  if (storeProves(listed, expected)) return true;
  return expected.contentEtags === undefined && listed.sha256 === expected.sha256;
}

async function check(storage: Storage, expected: Expected): Promise<ObjectMismatch | undefined> {
  const info = await storage.stat(expected.key);
  if (!info) return { key: expected.key, expected: expected.sha256, actual: 'missing' };
  if (info.size !== expected.size) return { key: expected.key, expected: `${expected.size} bytes`, actual: `${info.size} bytes` };
  if (storeProves(info, expected)) return undefined;
  // A store that derives ETags from the bytes reported another one: only the content itself can tell.
  const reported = expected.contentEtags === undefined ? info.sha256 : undefined;
  const actual = reported ?? (await hashStream(await storage.stream(expected.key))).sha256;
  return actual === expected.sha256 ? undefined : { key: expected.key, expected: expected.sha256, actual };
}

/** Verifies every expected object; throws VerificationFailedError listing all that differ. */
export async function verifyObjects(storage: Storage, objects: readonly Expected[], concurrency: number): Promise<void> {
  const listed =
    objects.length > 1
      ? await listByUrl(
          storage,
          objects.map((o) => o.key),
        )
      : undefined;
  const results = await mapPool(objects, concurrency, async (o) =>
    vouches(listed?.get(storage.urlFor(o.key)), o) ? undefined : check(storage, o),
  );
  const mismatches = results.filter((m): m is ObjectMismatch => m !== undefined);
  if (mismatches.length > 0) throw new VerificationFailedError(storage.location, mismatches);
}
