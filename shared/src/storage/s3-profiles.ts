/**
 * What each S3-compatible provider does differently, from its own documentation,
 * chosen by the endpoint's host (or the `s3-provider` input): how buckets are
 * addressed, the default region, whether the store checks x-amz-checksum-sha256,
 * the form of a multipart ETag, whether conditional writes are documented, and
 * which bucket names it allows. docs/storage.md has the sources and the table.
 */
import { InputError } from '../core/errors.ts';

export const S3_PROVIDERS = ['aws', 'gcs', 'r2', 'b2', 'wasabi', 'spaces', 'minio', 'ceph', 'other'] as const;
export type S3Provider = (typeof S3_PROVIDERS)[number];

export interface S3Profile {
  provider: S3Provider;
  /** Path style (`host/bucket/key`) unless asked otherwise: every store but AWS documents it, not all do subdomains. */
  pathStyle: boolean;
  /** The region to sign for when none is given (undefined: AWS_REGION / AWS_DEFAULT_REGION, then us-east-1). */
  region?: (host: string) => string | undefined;
  /**
   * x-amz-checksum-sha256 on a put: `verified` (the store refuses other bytes), `ignored` (accepted, not checked),
   * `refused` (the request fails: not sent).
   */
  checksum: 'verified' | 'ignored' | 'refused';
  /** Whether HEAD with x-amz-checksum-mode: ENABLED answers the stored checksum. */
  checksumMode: boolean;
  etag: 'content-md5' | 'opaque';
  /** Conditional writes as documented: settled by the probe unless `enforced`. */
  conditionalWrites: 'enforced' | 'probe';
  /**
   * If-None-Match / If-Match on CompleteMultipartUpload: `enforced` and `ignored` as documented, else probed (a
   * one-part upload completed over an existing key) wherever the conditions hold on a PUT.
   */
  multipartConditions: 'enforced' | 'ignored' | 'probe';
  bucketName: RegExp;
  bucketRule: string;
}

const S3_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_RULE = '3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit';
/** GCS: 3-63 characters, or up to 222 with dots and no dot-separated part over 63; '_' allowed. */
const GCS_NAME = /^(?=.{3,222}$)(?!goog)(?!.*\.\.)[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$/;
const GCS_RULE = "3-63 lower-case letters, digits, '_', '-' and '.' (up to 222 with dots, each part at most 63)";
/** What MinIO, Ceph and unknown stores may hold: legacy names with '_' included. */
const LENIENT_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

const regionFromHost = (pattern: RegExp) => (host: string) => pattern.exec(host)?.[1];

/** What most stores off AWS share: path style, the SHA-256 header accepted but not checked, conditions probed. */
const OFF_AWS = {
  pathStyle: true,
  checksum: 'ignored',
  checksumMode: false,
  etag: 'content-md5',
  conditionalWrites: 'probe',
  multipartConditions: 'probe',
  bucketName: S3_NAME,
  bucketRule: S3_RULE,
} as const;

export const S3_PROFILES: Record<S3Provider, S3Profile> = {
  aws: {
    provider: 'aws',
    pathStyle: false,
    checksum: 'verified',
    checksumMode: true,
    etag: 'content-md5',
    conditionalWrites: 'enforced',
    multipartConditions: 'enforced',
    bucketName: S3_NAME,
    bucketRule: S3_RULE,
  },
  gcs: {
    provider: 'gcs',
    pathStyle: true,
    region: () => 'auto',
    checksum: 'ignored',
    checksumMode: false,
    etag: 'opaque',
    conditionalWrites: 'probe',
    multipartConditions: 'probe',
    bucketName: GCS_NAME,
    bucketRule: GCS_RULE,
  },
  r2: {
    provider: 'r2',
    pathStyle: true,
    region: () => 'auto',
    checksum: 'verified',
    checksumMode: true,
    etag: 'opaque',
    conditionalWrites: 'probe',
    multipartConditions: 'probe',
    bucketName: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    bucketRule: '3-63 lower-case letters, digits and hyphens',
  },
  b2: {
    provider: 'b2',
    pathStyle: true,
    region: regionFromHost(/^s3\.([a-z0-9-]+)\.backblazeb2\.com$/),
    checksum: 'refused',
    checksumMode: false,
    etag: 'content-md5',
    conditionalWrites: 'probe',
    multipartConditions: 'probe',
    bucketName: /^[a-z0-9-]{6,50}$/,
    bucketRule: '6-50 lower-case letters, digits and hyphens',
  },
  wasabi: {
    ...OFF_AWS,
    provider: 'wasabi',
    region: (host) => regionFromHost(/^s3\.([a-z0-9-]+)\.wasabisys\.com$/)(host) ?? 'us-east-1',
  },
  spaces: {
    ...OFF_AWS,
    provider: 'spaces',
    region: regionFromHost(/^([a-z0-9-]+)\.digitaloceanspaces\.com$/),
    multipartConditions: 'ignored',
  },
  minio: { ...OFF_AWS, provider: 'minio', checksum: 'verified', checksumMode: true, bucketName: LENIENT_NAME },
  ceph: { ...OFF_AWS, provider: 'ceph', bucketName: LENIENT_NAME },
  other: { ...OFF_AWS, provider: 'other', bucketName: LENIENT_NAME },
};

/** The provider an endpoint belongs to, by its host; no endpoint is AWS. */
export function detectProvider(endpoint: string | undefined): S3Provider {
  if (!endpoint) return 'aws';
  const host = hostOf(endpoint);
  if (/(^|\.)amazonaws\.com(\.cn)?$/.test(host)) return 'aws';
  if (host === 'storage.googleapis.com') return 'gcs';
  if (host.endsWith('.r2.cloudflarestorage.com')) return 'r2';
  if (host.endsWith('.backblazeb2.com')) return 'b2';
  if (host.endsWith('.wasabisys.com')) return 'wasabi';
  if (host.endsWith('.digitaloceanspaces.com')) return 'spaces';
  return 'other';
}

/** The lower-case host name of an endpoint URL, without port or brackets. */
export function hostOf(endpoint: string): string {
  return (/^[a-z]+:\/\/([^/:]+|\[[^\]]+\])/i.exec(endpoint)?.[1] ?? '').toLowerCase();
}

/** The profile for an endpoint: the given provider's, else the one its host names. */
export function profileFor(endpoint: string | undefined, provider?: S3Provider): S3Profile {
  return S3_PROFILES[provider ?? detectProvider(endpoint)];
}

/** Refuses a bucket name the provider would refuse, before any request. */
export function checkBucketName(bucket: string, profile: S3Profile, input = 'destinations'): void {
  if (!profile.bucketName.test(bucket))
    throw new InputError(input, `'${bucket}' is not a valid ${profile.provider} bucket name (${profile.bucketRule})`, {
      userError: true,
    });
}
