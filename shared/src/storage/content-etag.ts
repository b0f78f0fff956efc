/**
 * Content ETags: an S3-compatible store derives an object's ETag from the bytes it
 * stored — the MD5 of a single-part upload; for a multipart upload the MD5 of the
 * parts' MD5s and the part count (`<hex>-<n>`), or, on some stores (s3rver), the
 * whole object's MD5. An ETag equal to one computed here from the bytes sent is
 * therefore the store's own checksum of what it holds. Any other ETag (SSE-KMS
 * encryption, a store whose ETags are version tokens) proves nothing either way.
 */
import { createHash } from 'node:crypto';

/** The ETag of a multipart upload, from its parts' binary MD5s in part order (unquoted). */
export function multipartEtag(partMd5s: readonly Uint8Array[]): string {
  const md5 = createHash('md5');
  for (const part of partMd5s) md5.update(part);
  return `${md5.digest('hex')}-${partMd5s.length}`;
}

/**
 * The checksum S3 reports with x-amz-checksum-mode (x-amz-checksum-sha256, base64), in the form compared with
 * content ETags: `sha256:<hex>`, and `-<parts>` after a multipart upload's composite checksum.
 */
export function sha256Checksum(reported: string): string {
  const [base64 = '', parts] = reported.trim().split('-');
  return `sha256:${Buffer.from(base64, 'base64').toString('hex')}${parts ? `-${parts}` : ''}`;
}

/**
 * A multipart upload's composite SHA-256 as S3 computes it (the SHA-256 of the parts' binary SHA-256s in part order,
 * then the part count): what HEAD reports for an upload whose parts each carried x-amz-checksum-sha256.
 */
export function compositeSha256(partSha256s: readonly Uint8Array[]): string {
  const sha256 = createHash('sha256');
  for (const part of partSha256s) sha256.update(part);
  return `sha256:${sha256.digest('hex')}-${partSha256s.length}`;
}

/** Whether a store's ETag (quoted or not) is one of the content ETags. */
export function isContentEtag(etag: string, contentEtags: readonly string[] | undefined): boolean {
  const bare = etag.replace(/"/g, '').toLowerCase();
  return bare !== '' && (contentEtags ?? []).some((e) => e.toLowerCase() === bare);
}
