/**
 * An S3-compatible bucket (AWS, GCS interoperability, R2, MinIO, Ceph, s3rver) as a
 * store, spoken to over node:http(s) (s3-http.ts). Credentials other than static
 * keys come from the AWS SDK's provider chain (web identity, profiles, instance
 * roles…), loaded only then. Retries live in withRetry; every body is streamed
 * from its file or sent in bounded parts.
 *
 * Integrity: a body that is not what the caller declared (size, SHA-256) never
 * becomes visible. Up to `partSize`, the file is hashed (MD5 + SHA-256) before one
 * streamed PutObject and refused before anything is sent; the request carries
 * Content-MD5 and x-amz-checksum-sha256 (AWS verifies both; s3rver neither). A
 * caller that hashed the file itself passes its MD5 (PutOptions.md5) and the file is
 * not read first: then the store's checks of those two headers stand for the
 * pre-read, and a store that checks neither is caught by reading back the ETag
 * (content-etag.ts). Larger files go up in parts hashed as they are read, each part
 * with its own Content-MD5, and the upload is completed only if the whole file's
 * SHA-256 matched (else aborted). The hex SHA-256 is kept as the `sha256` user
 * metadata `stat` reports. Every put answers the content ETags of the bytes sent.
 *
 * Read-back without a download: where the profile says the store keeps and verifies
 * checksums (AWS, R2, MinIO), each part also carries its x-amz-checksum-sha256, and
 * stat sends x-amz-checksum-mode: ENABLED; the composite SHA-256 the store answers
 * (the SHA-256 of the part SHA-256s, `-<parts>`) is computed from the part digests
 * sent, so it proves a multipart object even where the ETag is opaque (R2).
 *
 * Compare-and-swap: If-Match / If-None-Match: * on PutObject and
 * CompleteMultipartUpload; a 412 (or 409 ConditionalRequestConflict) becomes
 * PreconditionFailedError, a 501 NotSupportedError. Stores that ignore the headers
 * (GCS's XML API, Wasabi, s3rver) answer as if they held: capabilities() probes
 * for that, and callers that need compare-and-swap ask it first. A store that
 * honours them on PutObject but ignores them on completion (DigitalOcean Spaces,
 * some Ceph) takes a conditional write of a large file in one PutObject instead
 * (up to 5 GiB; a larger one is refused as not supported).
 */

import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AwsCredentialIdentity } from '@smithy/types';
import { findCause, ReleaseError } from '../core/errors.ts';
import { type RetryOptions, withRetry } from '../core/retry.ts';
import { attempt, type Outcome, PROBE_FOLDER, probeConditionalWrites } from './capabilities.ts';
import { compositeSha256, isContentEtag, multipartEtag, sha256Checksum } from './content-etag.ts';
import {
  DEFAULT_PART_CONCURRENCY,
  DEFAULT_PART_SIZE,
  DEFAULT_PARTS_IN_MEMORY,
  forEachFilePart,
  MIN_PART_SIZE,
  PartSlots,
} from './file-parts.ts';
import { readBody, S3Http, S3ResponseError } from './s3-http.ts';
import { checkBucketName, hostOf, profileFor, type S3Profile, type S3Provider } from './s3-profiles.ts';
import { completeMultipartXml, parseListing, xmlElement } from './s3-xml.ts';
import { uriEscape } from './sigv4.ts';
import {
  type Body,
  type Capabilities,
  joinKey,
  NotSupportedError,
  type ObjectInfo,
  PreconditionFailedError,
  type PutOptions,
  type Storage,
  StorageError,
  type WrittenInfo,
  writtenInfo,
} from './storage.ts';
import { assertDigest, checkedSize, hexToBase64, md5ForUpload, md5Of } from './upload-digest.ts';

const MAX_PARTS = 10_000;
/** The largest object S3 takes in one PutObject. */
export const MAX_SINGLE_PUT = 5 * 1024 ** 3;

/** Capabilities settled in this run, per bucket and prefix: a run probes each store once. */
const PROBED = new Map<string, Promise<Capabilities>>();

function conditional(options: PutOptions): boolean {
  return options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' for the root). */
  prefix?: string;
  /** Falls back to AWS_REGION / AWS_DEFAULT_REGION, then us-east-1. */
  region?: string;
  /**
   * A non-AWS endpoint, e.g. http://127.0.0.1:4568 or https://<account>.r2.cloudflarestorage.com; falls back to
   * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, as the SDK does.
   */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** The provider whose profile applies (s3-profiles.ts); by default the one the endpoint's host names. */
  provider?: S3Provider;
  /** Explicit credentials; otherwise AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the SDK's chain (web identity, profiles…). */
  credentials?: S3Credentials;
  /** Files larger than this go up in parts of this size (default 64 MiB, at least 5 MiB). */
  partSize?: number;
  /** Parts in flight per file (default 4). */
  partConcurrency?: number;
  /** Part buffers in memory at once across all uploads through this store (default 8): memory ≈ partsInMemory × partSize. */
  partsInMemory?: number;
  /** Keys per listing request (default 1000, the stores' maximum). */
  listPageSize?: number;
  retry?: RetryOptions;
  /** Per-request timeout (default 5 minutes). */
  requestTimeoutMs?: number;
}

/** The store's refusal in an error's causes (withRetry wraps it). */
function s3ErrorIn(err: unknown): S3ResponseError | undefined {
  return findCause(err, (e): e is S3ResponseError => e instanceof S3ResponseError);
}

function isNotFound(err: unknown): boolean {
  return err instanceof S3ResponseError && (err.status === 404 || err.s3Code === 'NoSuchKey');
}

/** Each segment escaped as SigV4 signs it (the path is signed as sent). */
function encodeKey(key: string): string {
  return key.split('/').map(uriEscape).join('/');
}

export class S3Storage implements Storage {
  readonly bucket: string;
  readonly prefix: string;
  readonly location: string;
  readonly #http: S3Http;
  readonly #partSize: number;
  readonly #partConcurrency: number;
  readonly #partSlots: PartSlots;
  readonly #retry: RetryOptions;
  readonly #listPageSize: number;
  readonly #objectBaseUrl: string;
  readonly profile: S3Profile;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.prefix = joinKey(options.prefix ?? '');
    this.location = `s3://${joinKey(this.bucket, this.prefix)}`;
    const endpoint = options.endpoint ?? (process.env['AWS_ENDPOINT_URL_S3'] || process.env['AWS_ENDPOINT_URL'] || undefined);
    this.profile = profileFor(endpoint, options.provider);
    checkBucketName(this.bucket, this.profile);
    const region =
      options.region ??
      this.profile.region?.(hostOf(endpoint ?? '')) ??
      process.env['AWS_REGION'] ??
      process.env['AWS_DEFAULT_REGION'] ??
      'us-east-1';
    const timeout = options.requestTimeoutMs ?? 300_000;
    const credentials = options.credentials ?? environmentCredentials();
    this.#http = new S3Http({
      credentials: credentials ? async () => credentials : chainCredentials(region),
      region: async () => region,
      timeoutMs: timeout,
      connectTimeoutMs: Math.min(timeout, 30_000),
    });
    this.#partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    this.#partConcurrency = Math.max(1, options.partConcurrency ?? DEFAULT_PART_CONCURRENCY);
    this.#partSlots = new PartSlots(options.partsInMemory ?? DEFAULT_PARTS_IN_MEMORY);
    this.#retry = options.retry ?? {};
    this.#listPageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
    this.#objectBaseUrl = objectBaseUrl(this.bucket, region, endpoint, options.forcePathStyle || this.profile.pathStyle);
  }

  /**
   * The profile's documented facts; conditional writes from the documentation on AWS, else probed once per bucket
   * per run (capabilities.ts), since a store that ignores the conditions answers as if it had checked them.
   */
  capabilities(): Promise<Capabilities> {
    const key = `${this.#objectBaseUrl}/${this.prefix}`;
    let known = PROBED.get(key);
    if (!known) {
      known = this.#settleCapabilities();
      PROBED.set(key, known);
      known.catch(() => PROBED.delete(key));
    }
    return known;
  }

  async #settleCapabilities(): Promise<Capabilities> {
    const { profile } = this;
    const documented = profile.conditionalWrites === 'enforced';
    const cas = documented
      ? { conditionalCreate: true, conditionalReplace: true, notes: [] }
      : await probeConditionalWrites(this);
    // Completion matters only where the conditions hold on a PUT at all.
    const completion =
      !(cas.conditionalCreate || cas.conditionalReplace) || profile.multipartConditions === 'enforced'
        ? 'enforced'
        : profile.multipartConditions === 'ignored'
          ? 'ignored'
          : await this.#probeCompletion();
    return {
      ...cas,
      ...(completion !== 'enforced' && { conditionalUpTo: MAX_SINGLE_PUT }),
      notes: [
        ...cas.notes,
        ...(completion === 'enforced'
          ? []
          : [
              `${completion === 'ignored' ? 'ignores' : 'answers 501 to'} If-None-Match / If-Match on CompleteMultipartUpload` +
                ` (${profile.multipartConditions === 'ignored' ? `${profile.provider} profile` : 'probed'}):` +
                ' conditional writes go up in one PUT, up to 5 GiB',
            ]),
        ...(profile.checksum === 'verified' ? [] : [`does not check x-amz-checksum-sha256 (${profile.provider} profile)`]),
      ],
      serverChecksum: profile.checksum === 'verified',
      ...(profile.checksumMode && { storeChecksums: true }),
      etag: profile.etag,
      established: documented ? 'documented' : 'probed',
    };
  }

  /**
   * Whether the store honours If-None-Match on a multipart upload's completion: a one-part upload (its only part
   * may be small) completed over a scratch key that exists. Five requests, once per store per run.
   */
  async #probeCompletion(): Promise<Outcome> {
    const key = `${PROBE_FOLDER}/${randomUUID()}`;
    const dir = await mkdtemp(path.join(tmpdir(), 's3-probe-'));
    const data = Buffer.from(`completion probe ${key}\n`);
    const options = { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
    try {
      const file = path.join(dir, 'probe');
      await writeFile(file, data);
      await this.#putSingle(key, { data }, options);
      return await attempt(() => this.#putMultipart(key, file, data.length, { ...options, ifNoneMatch: '*' }));
    } finally {
      await this.delete(key).catch(() => undefined /* a scratch key left behind is harmless */);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Whether conditions on a large file's multipart completion hold here (else it goes up in one PUT). */
  async #completionConditional(): Promise<boolean> {
    if (this.profile.multipartConditions === 'enforced') return true;
    return (await this.capabilities()).conditionalUpTo === undefined;
  }

  #key(key: string): string {
    return joinKey(this.prefix, key);
  }

  urlFor(key: string): string {
    return `${this.#objectBaseUrl}/${encodeKey(this.#key(key))}`;
  }

  /** One S3 call under withRetry; failures come out typed (see #translate). */
  async #call<T>(what: string, key: string, fn: () => Promise<T>, conditional = false): Promise<T> {
    try {
      return await withRetry(fn, { ...this.#retry, what: `${what} ${this.location}/${key}` });
    } catch (err) {
      throw this.#translate(err, what, key, conditional);
    }
  }

  /** 404 as `undefined`, inside the retried function. */
  #orMissing<T>(fn: () => Promise<T>): () => Promise<T | undefined> {
    return () =>
      fn().catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
  }

  /** The `sha256` metadata is only declared where the store checks no x-amz-checksum-sha256 sent with it. */
  get #declaredOnly(): boolean {
    return this.profile.checksum !== 'verified';
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const headers: Record<string, string> = this.profile.checksumMode ? { 'x-amz-checksum-mode': 'ENABLED' } : {};
    const head = await this.#call(
      'HEAD',
      key,
      this.#orMissing(async () => {
        const res = await this.#http.request({ method: 'HEAD', url: this.urlFor(key), headers });
        await readBody(res);
        return res;
      }),
    );
    return head && infoOf(key, head, Number(head.headers['content-length'] ?? 0), this.#declaredOnly);
  }

  async read(key: string): Promise<{ data: Buffer; info: ObjectInfo } | undefined> {
    return this.#call(
      'GET',
      key,
      this.#orMissing(async () => {
        const res = await this.#http.request({ method: 'GET', url: this.urlFor(key) });
        const data = await readBody(res);
        return { data, info: infoOf(key, res, data.length, this.#declaredOnly) };
      }),
    );
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    return this.#call('GET', key, () => this.#http.request({ method: 'GET', url: this.urlFor(key) }));
  }

  /** Bodies up to the part size go up in one request with Content-MD5 (larger ones in parts, each hashed as sent). */
  get md5UpTo(): number {
    return this.#partSize;
  }

  async put(key: string, body: Body, options: PutOptions): Promise<WrittenInfo> {
    const size = await checkedSize(`${this.location}/${key}`, body, options.size);
    if ('file' in body && size > this.#partSize) {
      if (!conditional(options) || (await this.#completionConditional()))
        return this.#putMultipart(key, body.file, size, options);
      if (size > MAX_SINGLE_PUT)
        throw new NotSupportedError(
          this.location,
          `conditional writes of objects over 5 GiB (${key}: the store ignores conditions on multipart completion)`,
        );
    }
    return this.#putSingle(key, body, options);
  }

  /**
   * Typed failures: a lost condition is PreconditionFailedError, a store-detected
   * digest mismatch or any other refusal a StorageError naming the call and the
   * object; our own ReleaseErrors (digests, retries exhausted) pass unchanged.
   */
  #translate(err: unknown, what: string, key: string, conditional = false): unknown {
    const refusal = s3ErrorIn(err);
    const status = refusal?.status;
    const code = refusal?.s3Code;
    if (status === 412 || (status === 409 && code === 'ConditionalRequestConflict'))
      return new PreconditionFailedError(this.location, key, { cause: err });
    if (conditional && (status === 501 || code === 'NotImplemented'))
      return new NotSupportedError(this.location, 'conditional writes (If-Match / If-None-Match)', { cause: err });
    if (code === 'BadDigest' || code === 'InvalidDigest' || code === 'XAmzContentSHA256Mismatch')
      return new StorageError(`${this.location}: ${key} was corrupted in transit (${code})`, { cause: err });
    if (err instanceof ReleaseError && !(err instanceof S3ResponseError)) return err;
    // AWS refuses to say whether a key exists to credentials that may not list the bucket.
    const hint =
      status === 403 && (what === 'GET' || what === 'HEAD')
        ? ` (for a key that does not exist, AWS answers 403 instead of 404 unless the credentials have s3:ListBucket on ${this.bucket})`
        : '';
    const detail = err instanceof S3ResponseError ? err.message : `${(err as Error).name}: ${(err as Error).message}`;
    return new StorageError(`${what} ${this.location}/${key} failed${status ? ` (HTTP ${status})` : ''}: ${detail}${hint}`, {
      cause: err,
    });
  }

  async #putSingle(key: string, body: Body, options: PutOptions): Promise<WrittenInfo> {
    const md5 = await md5ForUpload(`${this.location}/${key}`, body, options);
    const headers: Record<string, string> = { 'content-md5': hexToBase64(md5), 'x-amz-meta-sha256': options.sha256 };
    if (this.profile.checksum !== 'refused') headers['x-amz-checksum-sha256'] = hexToBase64(options.sha256);
    if (options.contentType) headers['content-type'] = options.contentType;
    if (options.cacheControl) headers['cache-control'] = options.cacheControl;
    if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
    if (options.ifNoneMatch) headers['if-none-match'] = options.ifNoneMatch;
    const etag = await this.#call(
      'PUT',
      key,
      () =>
        this.#http
          .put({ url: this.urlFor(key), headers, body: 'file' in body ? body : body.data, size: options.size })
          .catch((err: unknown) => {
            // A write conditional on an ETag whose object is gone meanwhile: AWS answers 404 NoSuchKey, a lost race too.
            if (options.ifMatch !== undefined && err instanceof S3ResponseError && err.s3Code === 'NoSuchKey')
              throw new PreconditionFailedError(this.location, key, { cause: err });
            throw err;
          }),
      conditional(options),
    );
    // With checksum mode the store answers the SHA-256 it verified on this put, ETag form (SSE-KMS) aside.
    return writtenInfo(key, etag, options, this.profile.checksumMode ? [md5, `sha256:${options.sha256}`] : [md5]);
  }

  async #putMultipart(key: string, file: string, size: number, options: PutOptions): Promise<WrittenInfo> {
    const url = this.urlFor(key);
    const partSize = Math.max(this.#partSize, Math.ceil(size / MAX_PARTS));
    const headers: Record<string, string> = { 'x-amz-meta-sha256': options.sha256 };
    if (options.contentType) headers['content-type'] = options.contentType;
    if (options.cacheControl) headers['cache-control'] = options.cacheControl;
    // Each part's SHA-256 checked by the store, and a composite checksum that HEAD answers (see the module comment).
    const checksums = this.profile.checksumMode;
    if (checksums) headers['x-amz-checksum-algorithm'] = 'SHA256';
    const created = await this.#call('CREATE MULTIPART', key, async () =>
      xmlElement(await this.#xml({ method: 'POST', url, query: { uploads: '' }, headers }), 'UploadId'),
    );
    if (!created) throw new StorageError(`${this.location}: the store answered no UploadId for ${key}`);
    const uploadId = created;
    try {
      const parts: { number: number; etag: string; sha256?: string }[] = [];
      const partMd5s: Buffer[] = [];
      const partSha256s: Buffer[] = [];
      const digest = await forEachFilePart(
        file,
        { size, partSize, concurrency: this.#partConcurrency, slots: this.#partSlots },
        async (part) => {
          const md5 = md5Of(part.data);
          partMd5s[part.number - 1] = md5;
          const partHeaders: Record<string, string> = { 'content-md5': md5.toString('base64') };
          let sha256: string | undefined;
          if (checksums) {
            const digest = createHash('sha256').update(part.data).digest();
            partSha256s[part.number - 1] = digest;
            sha256 = digest.toString('base64');
            partHeaders['x-amz-checksum-sha256'] = sha256;
          }
          const etag = await this.#call(`PUT part ${part.number}`, key, () =>
            this.#http.put({
              url,
              query: { partNumber: String(part.number), uploadId },
              headers: partHeaders,
              body: part.data,
              size: part.data.length,
            }),
          );
          if (!etag) throw new StorageError(`${this.location}: the store answered no ETag for part ${part.number} of ${key}`);
          parts.push({ number: part.number, etag, ...(sha256 && { sha256 }) });
        },
      );
      assertDigest(`${this.location}/${key}`, digest, options);
      parts.sort((a, b) => a.number - b.number);
      const completeHeaders: Record<string, string> = { 'content-type': 'application/xml' };
      if (options.ifMatch !== undefined) completeHeaders['if-match'] = options.ifMatch;
      if (options.ifNoneMatch) completeHeaders['if-none-match'] = options.ifNoneMatch;
      const body = Buffer.from(completeMultipartXml(parts));
      const contentEtags = [
        multipartEtag(partMd5s),
        digest.md5.toString('hex'),
        ...(checksums ? [compositeSha256(partSha256s)] : []),
      ];
      let attempts = 0;
      const etag = await this.#call(
        'COMPLETE MULTIPART',
        key,
        async () => {
          attempts++;
          try {
            const answer = await this.#xml({
              method: 'POST',
              url,
              query: { uploadId },
              headers: completeHeaders,
              body,
              size: body.length,
            });
            // A 200 with neither result nor error (the store gave up while it kept the connection alive): not written.
            if (!answer.includes('<CompleteMultipartUploadResult')) throw new S3ResponseError(500, answer);
            return xmlElement(answer, 'ETag');
          } catch (err) {
            // A completion sent again after its answer was lost: the upload is gone because it was completed, if
            // the object now there is these very bytes.
            if (attempts === 1 || !(err instanceof S3ResponseError) || err.s3Code !== 'NoSuchUpload') throw err;
            const info = await this.stat(key);
            const proven = info && (isContentEtag(info.etag, contentEtags) || isContentEtag(info.checksum ?? '', contentEtags));
            if (info?.size !== size || !proven) throw err;
            return info.etag;
          }
        },
        conditional(options),
      );
      // AWS answers the MD5 of the part MD5s; some stores (s3rver) the MD5 of the whole object.
      return writtenInfo(key, etag, options, contentEtags);
    } catch (err) {
      await this.#http
        .request({ method: 'DELETE', url, query: { uploadId } })
        .then(readBody)
        .catch(() => undefined /* the upload expires by lifecycle rules; the first error is the one to report */);
      throw err;
    }
  }

  /**
   * A request answered with an XML document. S3 may answer 200 and then an error document (a completion that failed
   * after it began): that is an error too, with the status its code would have had (so a lost condition is still
   * PreconditionFailedError, and the store's own failures are retried).
   */
  async #xml(request: Parameters<S3Http['request']>[0]): Promise<string> {
    const text = (await readBody(await this.#http.request(request))).toString('utf8');
    if (/^(<\?xml[^>]*>)?\s*<Error>/.test(text)) {
      const code = xmlElement(text, 'Code') ?? '';
      throw new S3ResponseError(STATUS_OF_CODE[code] ?? (/^XMinio\w*(Quorum|NotInitialized)$/.test(code) ? 503 : 400), text);
    }
    return text;
  }

  /**
   * ListObjects (v1) paged by Marker = the last key seen: every S3-compatible store
   * has it, and s3rver's v2 continuation tokens use DES, which Node 24's OpenSSL
   * refuses (a 500 as soon as a listing is truncated).
   */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = joinKey(this.prefix, prefix);
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    let marker: string | undefined;
    do {
      const query: Record<string, string> = { 'max-keys': String(this.#listPageSize) };
      if (full !== '') query['prefix'] = `${full}/`;
      if (marker !== undefined) query['marker'] = marker;
      const page = await this.#call('LIST', prefix, async () =>
        parseListing(
          (await readBody(await this.#http.request({ method: 'GET', url: `${this.#objectBaseUrl}/`, query }))).toString('utf8'),
        ),
      );
      for (const object of page.objects) yield { key: object.key.slice(strip), size: object.size, etag: object.etag };
      marker = page.truncated ? (page.nextMarker ?? page.objects.at(-1)?.key) : undefined;
    } while (marker);
  }

  async delete(key: string): Promise<void> {
    await this.#call('DELETE', key, async () => {
      await readBody(await this.#http.request({ method: 'DELETE', url: this.urlFor(key) }));
    });
  }
}

/** The HTTP status of an error code S3-compatible stores may also send inside a 200. */
const STATUS_OF_CODE: Record<string, number> = {
  PreconditionFailed: 412,
  ConditionalRequestConflict: 409,
  NotImplemented: 501,
  RequestTimeout: 408,
  InternalError: 503,
  SlowDown: 503,
  ServiceUnavailable: 503,
};

/**
 * The AWS SDK's credential chain (web identity, profiles, SSO, container and instance roles…), loaded on first use;
 * the provider refreshes what expires.
 */
function chainCredentials(region: string): () => Promise<AwsCredentialIdentity> {
  let provider: Promise<() => Promise<AwsCredentialIdentity>> | undefined;
  return async () => {
    // As the S3 client passed it: STS (assume-role, web identity) defaults to the store's region; SSO keeps the
    // profile's sso_region.
    provider ??= import('@aws-sdk/credential-provider-node').then(({ defaultProvider }) =>
      defaultProvider({ parentClientConfig: { region } }),
    );
    return (await provider)();
  };
}

/** Static keys from the environment, as the SDK's chain would take them first (it skips them when AWS_PROFILE is set). */
function environmentCredentials(): S3Credentials | undefined {
  const env = process.env;
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  if (env['AWS_PROFILE'] || !accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}) };
}

/** What a HEAD or GET response tells of the object; `declaredOnly`: the store checked no SHA-256 it was sent. */
function infoOf(key: string, res: IncomingMessage, size: number, declaredOnly: boolean): ObjectInfo {
  const header = (name: string) => {
    const value = res.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const checksum = header('x-amz-checksum-sha256');
  const sha256 = header('x-amz-meta-sha256');
  return {
    key,
    size,
    etag: header('etag') ?? '',
    ...(checksum && { checksum: sha256Checksum(checksum) }),
    sha256,
    ...(declaredOnly && sha256 !== undefined && { sha256Declared: true }),
    contentType: header('content-type'),
    cacheControl: header('cache-control'),
  };
}

/**
 * Where the bucket's objects are addressed, as the SDK would: virtual-hosted (`bucket.host`) unless path style is
 * asked for, the bucket name is no single DNS label (a dotted name fails the store's TLS certificate) or the
 * endpoint is an IP address (MinIO at 10.0.0.5:9000: there is no `bucket.10.0.0.5`); AWS's own hosts honour
 * AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT.
 */
export function objectBaseUrl(bucket: string, region: string, endpoint: string | undefined, pathStyle: boolean): string {
  const virtual = !pathStyle && /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
  if (!endpoint) {
    const fips = process.env['AWS_USE_FIPS_ENDPOINT'] === 'true' ? '-fips' : '';
    const dualstack = process.env['AWS_USE_DUALSTACK_ENDPOINT'] === 'true' ? '.dualstack' : '';
    const host = `s3${fips}${dualstack}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
    return virtual ? `https://${bucket}.${host}` : `https://${host}/${bucket}`;
  }
  const url = new URL(endpoint);
  const base = url.pathname.replace(/\/+$/, '');
  return virtual && isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0
    ? `${url.protocol}//${bucket}.${url.host}${base}`
    : `${url.protocol}//${url.host}${base}/${bucket}`;
}
