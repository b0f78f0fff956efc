/**
 * One storage interface for every destination: object stores (S3, Azure Blob),
 * a local or mounted folder, GitHub Releases. publish-binaries, update-markers
 * and repository publishing all write through it.
 */
import { ReleaseError } from '../core/errors.ts';

export interface ObjectInfo {
  key: string;
  size: number;
  /** An opaque version token for compare-and-swap (an ETag). */
  etag: string;
  /** Hex SHA-256 of the content when the store knows it (metadata or checksum). */
  sha256?: string;
  /**
   * `sha256` is only what its writer declared (S3 user metadata on a store that checks no x-amz-checksum-sha256): a
   * body corrupted on its way in is kept under it, so only the store's own digest (`checksum`, an MD5 ETag) or the
   * content proves the bytes.
   */
  sha256Declared?: boolean;
  contentType?: string;
  cacheControl?: string;
  /**
   * The store's own digest of the bytes it holds where it is no ETag (GCS's md5Hash as hex, or `crc32c:<hex>` for a
   * composite object, which has no md5Hash; S3's checksum-mode
   * x-amz-checksum-sha256 as `sha256:<hex>`, `-<parts>` when composite): like a content ETag, it proves the bytes
   * when it is one of the put's `contentEtags`, without a download.
   */
  checksum?: string;
}

/** What a store answers for an object it has just accepted. */
export interface WrittenInfo extends ObjectInfo {
  /**
   * The ETags a store that derives ETags from the stored bytes (S3) reports for exactly the bytes sent, computed
   * here from those bytes (see content-etag.ts), or the checksum a store reports beside a version-token ETag (GCS's
   * MD5); absent where the store reports neither (Azure, GitHub, a folder).
   */
  contentEtags?: readonly string[];
}

/** What to write: a file on disk (streamed, re-opened on retry) or bytes in memory. */
export type Body = { file: string } | { data: Uint8Array };

export interface PutOptions {
  /** Hex SHA-256 of the body: sent for the store to check, and kept as metadata. */
  sha256: string;
  /**
   * The caller's hex MD5 of the body, asked for only by a store that sends one (Content-MD5): the store then does
   * not read the file first, and the store's own checks (Content-MD5, SHA-256) and a read-back stand for that read.
   * The caller answers for the MD5 being of the bytes `sha256` names.
   */
  md5?: () => Promise<string>;
  size: number;
  contentType?: string;
  cacheControl?: string;
  /** Compare-and-swap: write only if the current ETag is this one. */
  ifMatch?: string;
  /** Compare-and-swap for creation: write only if the object does not exist. */
  ifNoneMatch?: '*';
}

/**
 * What a store guarantees, declared by its backend, taken from a provider's documentation (s3-profiles.ts) or
 * probed at the start of a run (capabilities.ts). Domain code asks this instead of reading a store's errors.
 */
export interface Capabilities {
  /** If-None-Match: * is enforced: of two writers creating one key, one gets PreconditionFailedError. */
  conditionalCreate: boolean;
  /** If-Match is enforced: a write over a changed object gets PreconditionFailedError. */
  conditionalReplace: boolean;
  /** The store itself checks the SHA-256 sent with a body and refuses other bytes (not only Content-MD5). */
  serverChecksum: boolean;
  /**
   * What an ETag is: `content-md5` (S3: the MD5 of a single put, MD5 of the part MD5s for multipart), `opaque`
   * (a multipart ETag not derived from MD5s: GCS, R2), `version` (a version token: Azure, GitHub, a folder).
   */
  etag: 'content-md5' | 'opaque' | 'version';
  /**
   * The largest object a conditional write is enforced for, where that is not every size: a store that honours the
   * conditions on a PUT but ignores them on a multipart upload's completion (DigitalOcean Spaces, some Ceph) takes
   * conditional writes in one PUT, which S3 allows up to 5 GiB. Absent: any size.
   */
  conditionalUpTo?: number;
  /**
   * The store reports its own checksum of what it holds for every object written here (S3 checksum mode on AWS, R2,
   * MinIO): an opaque multipart ETag then costs no download at read-back.
   */
  storeChecksums?: boolean;
  /** How the guarantees were established: by the backend's own code, a provider's documentation, or a probe. */
  established: 'declared' | 'documented' | 'probed';
  /** For each missing guarantee, why (the store ignores the condition, answers 501…). */
  notes: readonly string[];
  /** Set when the store takes no writes at all, saying why (a published immutable GitHub release). */
  readOnly?: string;
}

export interface StoreLimits {
  maxObjects: number;
  maxObjectBytes: number;
  /** What the limits are of, for messages ("assets of one GitHub release"). */
  what: string;
}

export interface Storage {
  /** Where this store points, for logs and reports (no credentials). */
  readonly location: string;
  /** What the store cannot hold more of (GitHub: 1000 assets per release, 2 GiB each); checked in the plan. */
  readonly limits?: StoreLimits;
  /** What the store guarantees; may probe the store once per run (a scratch key written and deleted). */
  capabilities(): Promise<Capabilities>;
  /** The store asks for PutOptions.md5 for a body of up to this many bytes (it sends Content-MD5 with it). */
  readonly md5UpTo?: number;
  /** The URL a reader would use for a key (public URL, file URL, asset URL). */
  urlFor(key: string): string;
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Reads a small object whole (markers, indexes). */
  read(key: string): Promise<{ data: Buffer; info: ObjectInfo } | undefined>;
  /** Streams an object, to verify it after upload. */
  stream(key: string): Promise<AsyncIterable<Uint8Array>>;
  /** Writes an object; throws PreconditionFailedError when a condition does not hold. */
  put(key: string, body: Body, options: PutOptions): Promise<WrittenInfo>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
  /**
   * Makes durable what this store has written or found (stat, list) so far, before something that names it — the
   * release index — is written. Only a folder has one: the other stores acknowledge a write once it is durable.
   */
  flush?(): Promise<void>;
}

/** A compare-and-swap lost its race: the object changed (or appeared) since it was read. */
export class PreconditionFailedError extends ReleaseError {
  override name = 'PreconditionFailedError';
  constructor(location: string, key: string, options: { cause?: unknown } = {}) {
    super('PRECONDITION_FAILED', `${location}: ${key} changed since it was read`, options);
  }
}

/** The store does not do what a request asked (a conditional write answered 501 Not Implemented). */
export class NotSupportedError extends ReleaseError {
  override name = 'NotSupportedError';
  readonly feature: string;
  constructor(location: string, feature: string, options: { cause?: unknown } = {}) {
    super('NOT_SUPPORTED', `${location} does not support ${feature}`, { ...options, userError: false });
    this.feature = feature;
  }
}

export class StorageError extends ReleaseError {
  override name = 'StorageError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('STORAGE_ERROR', message, options);
  }
}

/** What a store reports for an object it has just accepted: the written body's facts and the store's ETag. */
export function writtenInfo(
  key: string,
  etag: string | undefined,
  options: PutOptions,
  contentEtags?: readonly string[],
): WrittenInfo {
  return {
    key,
    size: options.size,
    etag: etag ?? '',
    sha256: options.sha256,
    contentType: options.contentType,
    cacheControl: options.cacheControl,
    ...(contentEtags && { contentEtags }),
  };
}

/** Joins key segments with '/', without doubled or leading slashes. */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');
}
