/**
 * An Azure Blob Storage container (or azurite) as a store, through
 * @azure/storage-blob. The SDK makes one try per call; withRetry owns retries.
 *
 * Integrity: a body that is not what the caller declared (size, SHA-256) never
 * becomes visible. Up to `partSize`, the file is hashed (MD5 + SHA-256) before one
 * streamed Put Blob and refused before anything is sent (unless the caller hashed it
 * itself and passes its MD5, as for S3); the request carries that MD5 twice: as
 * x-ms-blob-content-md5, which Azure keeps as the blob's Content-MD5, and as the
 * request's Content-MD5, which Azure checks against the body it receives (the SDK's
 * upload() sends none: a pipeline policy copies it, before the request is signed). Larger
 * files are staged as blocks hashed as they are read, each with a transactional
 * Content-MD5 the service verifies, and the block list is committed only if the
 * whole file's SHA-256 matched. The hex SHA-256 is kept as the `sha256` metadata,
 * which stat and list report.
 *
 * Compare-and-swap: `conditions: { ifMatch }` / `{ ifNoneMatch: '*' }` on Put Blob
 * and Put Block List; 412 ConditionNotMet and 409 BlobAlreadyExists become
 * PreconditionFailedError.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  type BlobGetPropertiesResponse,
  type BlobHTTPHeaders,
  type BlobRequestConditions,
  BlobServiceClient,
  type BlockBlobClient,
  type ContainerClient,
  type ListBlobsFlatSegmentResponse,
  newPipeline,
  type RequestPolicyFactory,
  RestError,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { findCause, ReleaseError, UnsafePathError } from '../core/errors.ts';
import { isRetryableError, isRetryableStatus, type RetryOptions, withRetry } from '../core/retry.ts';
import { fullGuarantees } from './capabilities.ts';
import {
  DEFAULT_PART_CONCURRENCY,
  DEFAULT_PART_SIZE,
  DEFAULT_PARTS_IN_MEMORY,
  forEachFilePart,
  PartSlots,
} from './file-parts.ts';
import {
  type Body,
  type Capabilities,
  joinKey,
  type ObjectInfo,
  PreconditionFailedError,
  type PutOptions,
  type Storage,
  StorageError,
  type WrittenInfo,
  writtenInfo,
} from './storage.ts';
import { assertDigest, checkedSize, md5ForUpload, md5Of } from './upload-digest.ts';

/** Azure's block size limit (4000 MiB); blocks per blob are limited to 50,000. */
const MAX_BLOCK_SIZE = 4000 * 1024 * 1024;
const MAX_BLOCKS = 50_000;
const BLOCK_UPLOAD_ROUNDS = 3;

export interface AzBlobStorageOptions {
  /** A storage account connection string (account key or SAS). */
  connectionString: string;
  container: string;
  /** Blob name prefix inside the container ('' for the root). */
  prefix?: string;
  /** Files larger than this are staged as blocks of this size (default 64 MiB). */
  partSize?: number;
  /** Blocks in flight per file (default 4). */
  partConcurrency?: number;
  /** Part buffers in memory at once across all uploads through this store (default 8): memory ≈ partsInMemory × partSize. */
  partsInMemory?: number;
  /** Keys per listing request (default 1000, the stores' maximum). */
  listPageSize?: number;
  retry?: RetryOptions;
  /** Per-request timeout (default 5 minutes). */
  requestTimeoutMs?: number;
}

type SizedProperties = Pick<BlobGetPropertiesResponse, 'contentLength' | 'etag' | 'metadata' | 'contentType' | 'cacheControl'>;

/** The RestError in an error's cause chain (withRetry and #translate wrap it). */
function restErrorIn(err: unknown): RestError | undefined {
  return findCause(err, (e): e is RestError => e instanceof RestError);
}

/** 404 as `undefined`, inside the retried function. */
function orMissing<T>(fn: () => Promise<T>): () => Promise<T | undefined> {
  return () =>
    fn().catch((err: unknown) => {
      if (err instanceof RestError && err.statusCode === 404) return undefined;
      throw err;
    });
}

/** The service's status classified as ours are; REQUEST_SEND_ERROR is how the pipeline reports a reset or refused connection. */
function isRetryable(err: unknown): boolean {
  const rest = restErrorIn(err);
  if (rest?.statusCode) return isRetryableStatus(rest.statusCode);
  return isRetryableError(err) || rest?.code === 'REQUEST_SEND_ERROR';
}

/**
 * Block IDs are unique per upload: two writers staging blocks of one blob at once
 * must not overwrite each other's uncommitted blocks. All IDs of a blob have one length.
 */
function blockIdFor(upload: string, number: number): string {
  return Buffer.from(`${upload}-${String(number).padStart(6, '0')}`).toString('base64');
}

/**
 * A Put Blob's x-ms-blob-content-md5 (the MD5 the blob keeps) also as the request's Content-MD5, the one Azure
 * verifies against the body. Only on Put Blob (a block blob put with its content): on Put Block List a Content-MD5
 * would describe the block list itself.
 */
const TRANSACTIONAL_MD5: RequestPolicyFactory = {
  create: (next) => ({
    sendRequest(request) {
      const md5 = request.headers.get('x-ms-blob-content-md5');
      if (
        request.method === 'PUT' &&
        md5 &&
        request.headers.get('x-ms-blob-type') === 'BlockBlob' &&
        !request.headers.contains('content-md5')
      )
        request.headers.set('content-md5', md5);
      return next.sendRequest(request);
    },
  }),
};

/**
 * What fromConnectionString would give its own pipeline: one try per call (withRetry owns retries) and the proxy of
 * a development-storage connection string.
 */
export function pipelineOptions(connectionString: string, requestTimeoutMs = 300_000): StoragePipelineOptions {
  const proxy = /(?:^|;)\s*DevelopmentStorageProxyUri=([^;]+)/i.exec(connectionString)?.[1]?.trim();
  const url = proxy ? new URL(proxy) : undefined;
  return {
    retryOptions: { maxTries: 1, tryTimeoutInMs: requestTimeoutMs },
    ...(url && {
      proxyOptions: {
        host: `${url.protocol}//${url.hostname}`,
        port: Number(url.port || '80'),
        username: decodeURIComponent(url.username) || undefined,
        password: decodeURIComponent(url.password) || undefined,
      },
    }),
  };
}

export class AzBlobStorage implements Storage {
  readonly container: string;
  readonly prefix: string;
  readonly location: string;
  readonly #client: ContainerClient;
  readonly #partSize: number;
  readonly #partConcurrency: number;
  readonly #partSlots: PartSlots;
  readonly #retry: RetryOptions;
  readonly #listPageSize: number;
  #containerReady: Promise<unknown> | undefined;

  constructor(options: AzBlobStorageOptions) {
    this.container = options.container;
    this.prefix = joinKey(options.prefix ?? '');
    this.location = `azblob://${joinKey(this.container, this.prefix)}`;
    const parsed = BlobServiceClient.fromConnectionString(options.connectionString);
    const pipeline = newPipeline(parsed.credential, pipelineOptions(options.connectionString, options.requestTimeoutMs));
    // Outermost: it sees each request before the credential policy signs it (Content-MD5 is a signed header).
    pipeline.factories.unshift(TRANSACTIONAL_MD5);
    this.#client = new BlobServiceClient(parsed.url, pipeline).getContainerClient(this.container);
    this.#partSize = Math.min(MAX_BLOCK_SIZE, Math.max(1, options.partSize ?? DEFAULT_PART_SIZE));
    this.#partConcurrency = Math.max(1, options.partConcurrency ?? DEFAULT_PART_CONCURRENCY);
    this.#partSlots = new PartSlots(options.partsInMemory ?? DEFAULT_PARTS_IN_MEMORY);
    this.#retry = options.retry ?? {};
    this.#listPageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
  }

  /** The blob name of a key, refused where Azure would store it under another name. */
  #name(key: string): string {
    // Azure (and azurite) store and list a '\' as '/': a rerun would not find the blob, and a\b would be a/b.
    if (key.includes('\\'))
      throw new StorageError(`'${key}' cannot be a blob name at ${this.location}: Azure stores '\\' as '/'`);
    // The SDK resolves dot segments in the blob's URL: ../.. would leave the prefix, and even the container.
    if (key.split('/').some((s) => s === '.' || s === '..'))
      throw new UnsafePathError(
        key,
        `'.' and '..' segments would be resolved away, outside ${this.location} or under another name`,
      );
    return joinKey(this.prefix, key);
  }

  #blob(key: string): BlockBlobClient {
    return this.#client.getBlockBlobClient(this.#name(key));
  }

  /** Azure enforces If-Match / If-None-Match on Put Blob and Put Block List and checks each Content-MD5 it is sent. */
  async capabilities(): Promise<Capabilities> {
    return fullGuarantees('documented');
  }

  /** The blob's URL without any SAS query (it would be a credential). */
  urlFor(key: string): string {
    const url = new URL(this.#blob(key).url);
    url.search = '';
    return url.toString();
  }

  /** One Azure call under withRetry; failures come out typed (see #translate). */
  async #call<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, { isRetryable, ...this.#retry, what: `${what} ${this.location}/${key}` });
    } catch (err) {
      throw this.#translate(err, what, key);
    }
  }

  #info(key: string, props: SizedProperties): ObjectInfo {
    return {
      key,
      size: props.contentLength ?? 0,
      etag: props.etag ?? '',
      sha256: props.metadata?.['sha256'],
      contentType: props.contentType,
      cacheControl: props.cacheControl,
    };
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const props = await this.#call(
      'HEAD',
      key,
      orMissing(() => this.#blob(key).getProperties()),
    );
    return props && this.#info(key, props);
  }

  async read(key: string): Promise<{ data: Buffer; info: ObjectInfo } | undefined> {
    return this.#call(
      'GET',
      key,
      orMissing(async () => {
        const got = await this.#blob(key).download();
        const chunks: Buffer[] = [];
        for await (const chunk of got.readableStreamBody!) chunks.push(chunk as Buffer);
        return { data: Buffer.concat(chunks), info: this.#info(key, got) };
      }),
    );
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    const got = await this.#call('GET', key, () => this.#blob(key).download());
    return got.readableStreamBody as AsyncIterable<Uint8Array> & NodeJS.ReadableStream;
  }

  /** Bodies up to the part size go up in one request with Content-MD5 (larger ones in parts, each hashed as sent). */
  get md5UpTo(): number {
    return this.#partSize;
  }

  async put(key: string, body: Body, options: PutOptions): Promise<WrittenInfo> {
    const size = await checkedSize(`${this.location}/${key}`, body, options.size);
    await this.#ensureContainer();
    if ('file' in body && size > this.#partSize) return this.#putBlocks(key, body.file, size, options);
    return this.#putSingle(key, body, options);
  }

  /**
   * Creates the container once per instance, on the first write. A 403 is left to the
   * write itself: a container-scoped SAS may write blobs but not create containers.
   */
  #ensureContainer(): Promise<unknown> {
    this.#containerReady ??= this.#call('CREATE CONTAINER', '', () => this.#client.createIfNotExists()).catch((err) => {
      if (restErrorIn(err)?.statusCode === 403) return;
      this.#containerReady = undefined;
      throw err;
    });
    return this.#containerReady;
  }

  /**
   * Typed failures: a lost condition is PreconditionFailedError, any other refusal a
   * StorageError naming the call and the blob; our own ReleaseErrors (digests,
   * retries exhausted) pass unchanged.
   */
  #translate(err: unknown, what: string, key: string): unknown {
    const rest = restErrorIn(err);
    // A lost condition only: another 412 (a lease held on the blob, LeaseIdMissing) is a refusal to report as such.
    const lost =
      rest?.code === 'ConditionNotMet' ||
      rest?.code === 'BlobAlreadyExists' ||
      (rest?.statusCode === 412 && (rest.code === undefined || rest.code === ''));
    if (rest && lost) return new PreconditionFailedError(this.location, key, { cause: err });
    if (err instanceof ReleaseError || !rest) return err;
    return new StorageError(
      `${what} ${this.location}/${key} failed (HTTP ${rest.statusCode ?? '-'} ${rest.code ?? ''}): ${rest.message.split('\n')[0]}`,
      { cause: err },
    );
  }

  #headers(options: PutOptions, md5: Buffer): BlobHTTPHeaders {
    return { blobContentType: options.contentType, blobCacheControl: options.cacheControl, blobContentMD5: md5 };
  }

  #conditions(options: PutOptions): BlobRequestConditions {
    return { ifMatch: options.ifMatch, ifNoneMatch: options.ifNoneMatch };
  }

  async #putSingle(key: string, body: Body, options: PutOptions): Promise<WrittenInfo> {
    const md5 = Buffer.from(await md5ForUpload(`${this.location}/${key}`, body, options), 'hex');
    const put = await this.#call('PUT', key, () =>
      this.#blob(key).upload('file' in body ? () => createReadStream(body.file) : body.data, options.size, {
        blobHTTPHeaders: this.#headers(options, md5),
        metadata: { sha256: options.sha256 },
        conditions: this.#conditions(options),
      }),
    );
    return writtenInfo(key, put.etag, options);
  }

  /**
   * A commit by another writer discards the blocks we staged (400 InvalidBlockList on
   * our commit): stage again, a bounded number of times. Under conditions the next
   * round then loses cleanly with PreconditionFailedError.
   */
  async #putBlocks(key: string, file: string, size: number, options: PutOptions): Promise<WrittenInfo> {
    for (let round = 1; ; round++) {
      try {
        return await this.#stageAndCommit(key, file, size, options);
      } catch (err) {
        if (round >= BLOCK_UPLOAD_ROUNDS || restErrorIn(err)?.code !== 'InvalidBlockList') throw err;
      }
    }
  }

  async #stageAndCommit(key: string, file: string, size: number, options: PutOptions): Promise<WrittenInfo> {
    const blob = this.#blob(key);
    const partSize = Math.max(this.#partSize, Math.ceil(size / MAX_BLOCKS));
    const upload = randomBytes(12).toString('hex');
    const ids: string[] = [];
    const digest = await forEachFilePart(
      file,
      { size, partSize, concurrency: this.#partConcurrency, slots: this.#partSlots },
      async (part) => {
        const id = blockIdFor(upload, part.number);
        ids[part.number - 1] = id;
        const md5 = md5Of(part.data);
        await this.#call(`PUT block ${part.number}`, key, () =>
          blob.stageBlock(id, part.data, part.data.length, { transactionalContentMD5: md5 }),
        );
      },
    );
    assertDigest(`${this.location}/${key}`, digest, options);
    const committed = await this.#call('PUT block list', key, () =>
      blob.commitBlockList(ids, {
        blobHTTPHeaders: this.#headers(options, digest.md5),
        metadata: { sha256: options.sha256 },
        conditions: this.#conditions(options),
      }),
    );
    return writtenInfo(key, committed.etag, options);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = this.#name(prefix);
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    let continuationToken: string | undefined;
    do {
      // A missing container (404) holds nothing.
      const page = await this.#call(
        'LIST',
        prefix,
        orMissing(async () => {
          const pages = this.#client
            .listBlobsFlat({ prefix: full === '' ? undefined : `${full}/`, includeMetadata: true })
            .byPage({ continuationToken, maxPageSize: this.#listPageSize });
          return (await pages.next()).value as ListBlobsFlatSegmentResponse | undefined;
        }),
      );
      for (const item of page?.segment.blobItems ?? []) {
        yield this.#info(item.name.slice(strip), { ...item.properties, metadata: item.metadata });
      }
      continuationToken = page?.continuationToken || undefined;
    } while (continuationToken);
  }

  async delete(key: string): Promise<void> {
    await this.#call('DELETE', key, () => this.#blob(key).deleteIfExists());
  }
}
