/**
 * Destination URLs → typed descriptors → Storage backends.
 *   s3://bucket/prefix            S3-compatible bucket (S3Storage)
 *   gs://bucket/prefix            Google Cloud Storage bucket, JSON API (GcsStorage)
 *   azblob://container/prefix     Azure Blob container (AzBlobStorage)
 *   file:///abs/path              local or mounted folder (FileStorage)
 *   github-release://owner/repo   GitHub Releases of a repository
 * Credentials never travel in the URL: they come from StorageOptions.
 */
import { readFile } from 'node:fs/promises';
import { parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.ts';
import type { RetryOptions } from '../core/retry.ts';
import type { ReleaseIdRecord } from './github-release-storage.ts';
import { checkBucketName, S3_PROFILES, type S3Provider } from './s3-profiles.ts';
import type { S3Credentials } from './s3-storage.ts';
import type { Storage } from './storage.ts';

export type ParsedDestination =
  | { scheme: 's3'; url: string; bucket: string; prefix: string }
  | { scheme: 'gs'; url: string; bucket: string; prefix: string }
  | { scheme: 'azblob'; url: string; container: string; prefix: string }
  | { scheme: 'file'; url: string; path: string }
  | { scheme: 'github-release'; url: string; owner: string; repo: string };

/** What backends need besides the URL; readStorageInputs builds it from the shared inputs. */
export interface StorageOptions {
  s3Endpoint?: string;
  s3Region?: string;
  s3ForcePathStyle?: boolean;
  /** The provider profile for s3:// (s3-profiles.ts); by default the one the endpoint's host names. */
  s3Provider?: S3Provider;
  /** Explicit keys; otherwise the AWS SDK's standard chain (AWS_ACCESS_KEY_ID…, web identity). */
  s3Credentials?: S3Credentials;
  azureConnectionString?: string;
  /** gs:// — a service-account key or an external_account (Workload Identity Federation) configuration, as JSON. */
  gcsCredentials?: string;
  /** gs:// — a file holding that JSON (GOOGLE_APPLICATION_CREDENTIALS), when neither input is given. */
  gcsCredentialsFile?: string;
  /** gs:// — an OAuth access token, instead of gcsCredentials. */
  gcsAccessToken?: string;
  /** gs:// — the JSON API base (https://storage.googleapis.com by default). */
  gcsApiUrl?: string;
  githubToken?: string;
  /** github-release:// — the REST API base (GITHUB_API_URL; https://api.github.com by default). */
  githubApiUrl?: string;
  /** github-release:// — the release tag (publish-binaries: the version). */
  githubTag?: string;
  /** github-release:// — the commit a tag that does not exist yet is made at (the workflow's GITHUB_SHA). */
  githubCommit?: string;
  /** github-release:// — the pause between two writes (GitHub asks for a second). */
  githubWriteIntervalMs?: number;
  /** github-release:// — where a draft's id is kept for a rerun (publish-binaries: the release manifest). */
  githubReleaseIds?: ReleaseIdRecord;
  /** A line for the run's log (what a store waits for, and how long). */
  log?: (line: string) => void;
  /** Multipart / block size for S3 and Azure (their default: 64 MiB). */
  partSize?: number;
  partConcurrency?: number;
  retry?: RetryOptions;
}

const SCHEMES = ['s3', 'gs', 'azblob', 'file', 'github-release'] as const;
const EXPECTED = `expected one of ${SCHEMES.map((s) => `${s}://`).join(', ')}`;
/** What any provider allows (GCS: '_' and up to 222 characters); S3Storage checks its provider's rules. */
const S3_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const AZURE_CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const GITHUB_NAME = /^[A-Za-z0-9_.-]+$/;

/** The URL as it may appear in a message: any user:password@ part hidden. */
function shown(url: string): string {
  return url.replace(/\/\/[^/]*@/, '//***@');
}

export function parseDestination(raw: string, input = 'destinations'): ParsedDestination {
  const url = raw.trim();
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
  if (!match) throw new InputError(input, `'${shown(url)}' is not a URL (${EXPECTED})`);
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (scheme === 'file') return parseFileUrl(url, input);
  if (!(SCHEMES as readonly string[]).includes(scheme))
    throw new InputError(input, `unknown destination scheme '${scheme}://' (${EXPECTED})`);
  if (/[?#@]/.test(rest))
    throw new InputError(
      input,
      `a ${scheme}:// destination takes no query, fragment or credentials (credentials come from inputs)`,
    );
  const [first = '', ...segments] = rest.split('/');
  const prefix = parsePrefix(segments, url, input);
  if (scheme === 's3') {
    if (!S3_BUCKET.test(first)) throw new InputError(input, `'${first}' in ${url} is not a valid S3 bucket name`);
    return { scheme, url, bucket: first, prefix };
  }
  if (scheme === 'gs') {
    checkBucketName(first, S3_PROFILES.gcs, input);
    return { scheme, url, bucket: first, prefix };
  }
  if (scheme === 'azblob') {
    if (!AZURE_CONTAINER.test(first)) throw new InputError(input, `'${first}' in ${url} is not a valid Azure container name`);
    return { scheme, url, container: first, prefix };
  }
  const repo = prefix.split('/');
  if (!GITHUB_NAME.test(first) || repo.length !== 1 || !GITHUB_NAME.test(repo[0]!))
    throw new InputError(input, `${url} must be github-release://owner/repo`);
  return { scheme: 'github-release', url, owner: first, repo: repo[0]! };
}

function parsePrefix(segments: string[], url: string, input: string): string {
  const kept = segments.filter((s) => s !== '');
  if (kept.some((s) => s === '.' || s === '..')) throw new InputError(input, `${url}: '.' and '..' are not allowed in a prefix`);
  return kept.join('/');
}

function parseFileUrl(url: string, input: string): ParsedDestination {
  // The URL parser would drop these silently; a suffix the user wrote is not ignored.
  if (/[?#]/.test(url)) throw new InputError(input, `${shown(url)}: a file:// destination takes no query or fragment`);
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (err) {
    throw new InputError(input, `${shown(url)} must be file:///absolute/path`, { cause: err });
  }
  // `file://` and `file:///` (an empty variable in file://$DEST) would publish into the filesystem's root.
  if (resolve(path) === parse(resolve(path)).root)
    throw new InputError(input, `${shown(url)} names the filesystem root; give a folder: file:///absolute/path`);
  return { scheme: 'file', url, path };
}

/**
 * The backend for a destination. Each backend (and its SDK) is imported only when a destination of its scheme is
 * used, so an action's cold start does not pay for the AWS and Azure SDKs it does not need. Missing credentials
 * are input errors, found before anything is loaded.
 */
export async function createStorage(destination: ParsedDestination, options: StorageOptions): Promise<Storage> {
  const parts = { partSize: options.partSize, partConcurrency: options.partConcurrency, retry: options.retry };
  switch (destination.scheme) {
    case 's3': {
      const { S3Storage } = await import('./s3-storage.ts');
      return new S3Storage({
        bucket: destination.bucket,
        prefix: destination.prefix,
        endpoint: options.s3Endpoint,
        region: options.s3Region,
        forcePathStyle: options.s3ForcePathStyle,
        provider: options.s3Provider,
        credentials: options.s3Credentials,
        ...parts,
      });
    }
    case 'gs': {
      const { gcsTokenProvider, parseGcsCredentials } = await import('./gcs-auth.ts');
      const json =
        options.gcsCredentials ?? (options.gcsCredentialsFile ? await readFile(options.gcsCredentialsFile, 'utf8') : undefined);
      const credentials = options.gcsAccessToken
        ? ({ type: 'access_token', token: options.gcsAccessToken } as const)
        : json
          ? parseGcsCredentials(json, 'gcs-credentials')
          : undefined;
      if (!credentials)
        throw new InputError(
          'gcs-credentials',
          `(or gcs-access-token, or GOOGLE_APPLICATION_CREDENTIALS) is required for ${destination.url}`,
          {
            userError: true,
          },
        );
      const { GcsStorage } = await import('./gcs-storage.ts');
      return new GcsStorage({
        bucket: destination.bucket,
        prefix: destination.prefix,
        token: gcsTokenProvider(credentials, options.retry),
        apiUrl: options.gcsApiUrl,
        partSize: options.partSize,
        retry: options.retry,
      });
    }
    case 'azblob': {
      if (!options.azureConnectionString)
        throw new InputError('azure-connection-string', `is required for the destination ${destination.url}`);
      const { AzBlobStorage } = await import('./azblob-storage.ts');
      try {
        return new AzBlobStorage({
          connectionString: options.azureConnectionString,
          container: destination.container,
          prefix: destination.prefix,
          ...parts,
        });
      } catch (error) {
        // The SDK's messages name the part that is wrong (never a key); the constructor only parses.
        throw new InputError('azure-connection-string', `is not a connection string Azure accepts: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    case 'file': {
      const { FileStorage } = await import('./file-storage.ts');
      return new FileStorage(destination.path);
    }
    case 'github-release': {
      if (!options.githubToken) throw new InputError('github-token', `is required for the destination ${destination.url}`);
      if (!options.githubTag)
        throw new InputError('version', `is required (the release tag) for the destination ${destination.url}`);
      const { GitHubReleaseStorage } = await import('./github-release-storage.ts');
      return new GitHubReleaseStorage(
        { owner: destination.owner, repo: destination.repo, tag: options.githubTag, commit: options.githubCommit },
        { token: options.githubToken, apiUrl: options.githubApiUrl ?? 'https://api.github.com' },
        { writeIntervalMs: options.githubWriteIntervalMs, releaseIds: options.githubReleaseIds, log: options.log },
      );
    }
  }
}
