/**
 * A Google Cloud Storage bucket through its JSON API (gs://bucket/prefix), spoken
 * over the project's HTTP layer (core/http.ts) with an OAuth token (gcs-auth.ts):
 * no client library to load.
 *
 * Compare-and-swap by generation: the ETag this store reports is the object's
 * generation; `ifNoneMatch: '*'` sends ifGenerationMatch=0 and `ifMatch` sends
 * ifGenerationMatch=<generation>; a 412 is PreconditionFailedError. GCS enforces
 * both (unlike its XML API's If-Match on writes).
 *
 * Integrity: up to `partSize` a body goes in one multipart upload whose metadata
 * carries its md5Hash (GCS refuses other bytes), after it was hashed and found to
 * be what the caller declared. Larger files go in a resumable upload, in chunks
 * hashed as they are read; the last chunk, which makes the object visible, is sent
 * only once the whole file's SHA-256 matched (else the session is cancelled). The
 * SHA-256 is kept as the `sha256` metadata; stat reports it with GCS's own md5Hash,
 * or, for a composite object (which has none), its crc32c: either proves the
 * bytes at read-back without a download. Every upload's CRC32C is computed in the
 * pass that hashes it (and sent with a one-request upload, which GCS checks).
 */

import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import { crc32cHex } from '../core/crc32c.ts';
import { HttpError } from '../core/errors.ts';
import { httpRequest } from '../core/http.ts';
import type { RetryOptions } from '../core/retry.ts';
import { fullGuarantees } from './capabilities.ts';
import { DEFAULT_PART_SIZE } from './file-parts.ts';
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
import { assertDigest, checkedSize, md5ForUpload, UploadHasher } from './upload-digest.ts';

/** Resumable chunks are multiples of 256 KiB (all but the last), as the JSON API requires. */
const CHUNK_UNIT = 256 * 1024;

export interface GcsStorageOptions {
  bucket: string;
  prefix?: string;
  /** The current access token (gcsTokenProvider). */
  token: () => Promise<string>;
  /** https://storage.googleapis.com, or a local server in tests. */
  apiUrl?: string;
  /** Files larger than this go in a resumable upload, in chunks of this size (default 64 MiB). */
  partSize?: number;
  listPageSize?: number;
  retry?: RetryOptions;
}

interface GcsObject {
  name: string;
  size: string;
  generation: string;
  md5Hash?: string;
  /** Base64 of the CRC32C's four bytes, big-endian; on every object. */
  crc32c?: string;
  contentType?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
}

export class GcsStorage implements Storage {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly #api: string;
  readonly #token: () => Promise<string>;
  readonly #partSize: number;
  readonly #pageSize: number;
  readonly #retry: RetryOptions;

  constructor(options: GcsStorageOptions) {
    this.bucket = options.bucket;
    this.prefix = joinKey(options.prefix ?? '');
    this.location = `gs://${joinKey(this.bucket, this.prefix)}`;
    this.#api = (options.apiUrl ?? 'https://storage.googleapis.com').replace(/\/+$/, '');
    this.#token = options.token;
    this.#partSize = Math.max(CHUNK_UNIT, Math.floor((options.partSize ?? DEFAULT_PART_SIZE) / CHUNK_UNIT) * CHUNK_UNIT);
    this.#pageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
    this.#retry = options.retry ?? {};
  }

  /** Generation preconditions, enforced; the md5Hash sent in the metadata is checked by GCS. */
  async capabilities(): Promise<Capabilities> {
    return fullGuarantees('documented');
  }

  #name(key: string): string {
    return joinKey(this.prefix, key);
  }

  #objectUrl(key: string): string {
    return `${this.#api}/storage/v1/b/${encodeURIComponent(this.bucket)}/o/${encodeURIComponent(this.#name(key))}`;
  }

  urlFor(key: string): string {
    return `https://storage.googleapis.com/${this.bucket}/${this.#name(key).split('/').map(encodeURIComponent).join('/')}`;
  }

  /** One JSON API call; 404 answered as undefined, a 412 as PreconditionFailedError, anything else typed. */
  async #call(
    what: string,
    key: string,
    url: string,
    init: RequestInit & { accept?: number[] } = {},
  ): Promise<Response | undefined> {
    const { accept = [], ...rest } = init;
    try {
      const response = await httpRequest(url, {
        ...rest,
        redirect: 'manual',
        headers: { ...(rest.headers as Record<string, string>), authorization: `Bearer ${await this.#token()}` },
        accept: [404, 412, ...accept],
        retry: { ...this.#retry, what: `${what} ${this.location}/${key}` },
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (response.status === 412) {
        await response.body?.cancel();
        throw new PreconditionFailedError(this.location, key);
      }
      return response;
    } catch (error) {
      if (error instanceof PreconditionFailedError) throw error;
      const status = error instanceof HttpError ? ` (HTTP ${error.status})` : '';
      throw new StorageError(`${what} ${this.location}/${key} failed${status}`, { cause: error });
    }
  }

  #info(key: string, object: GcsObject): ObjectInfo {
    return {
      key,
      size: Number(object.size),
      etag: object.generation,
      sha256: object.metadata?.['sha256'],
      contentType: object.contentType,
      cacheControl: object.cacheControl,
      ...(object.md5Hash
        ? { checksum: Buffer.from(object.md5Hash, 'base64').toString('hex') }
        : object.crc32c
          ? { checksum: `crc32c:${Buffer.from(object.crc32c, 'base64').toString('hex')}` }
          : {}),
    };
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const response = await this.#call('GET metadata', key, this.#objectUrl(key));
    return response && this.#info(key, (await response.json()) as GcsObject);
  }

  async read(key: string): Promise<{ data: Buffer; info: ObjectInfo } | undefined> {
    const info = await this.stat(key);
    if (!info) return undefined;
    // The media of exactly the generation stat saw: a newer one written in between reads as a lost race would.
    const response = await this.#call('GET', key, `${this.#objectUrl(key)}?alt=media&generation=${info.etag}`);
    if (!response) return undefined;
    return { data: Buffer.from(await response.arrayBuffer()), info };
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.#call('GET', key, `${this.#objectUrl(key)}?alt=media`);
    if (!response?.body) throw new StorageError(`${this.location}: no object ${key}`);
    return response.body;
  }

  async put(key: string, body: Body, options: PutOptions): Promise<WrittenInfo> {
    const size = await checkedSize(`${this.location}/${key}`, body, options.size);
    const { object, md5, crc32c } =
      'file' in body && size > this.#partSize
        ? await this.#putResumable(key, body.file, size, options)
        : await this.#putMultipart(key, body, options);
    // GCS's md5Hash (or a composite's crc32c) of what it stored, which stat and list report, must be of the bytes sent.
    return writtenInfo(key, object.generation, options, [md5, `crc32c:${crc32c}`]);
  }

  #metadata(key: string, options: PutOptions, md5?: string, crc32c?: string): Record<string, unknown> {
    return {
      name: this.#name(key),
      ...(options.contentType ? { contentType: options.contentType } : {}),
      ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}),
      ...(md5 ? { md5Hash: Buffer.from(md5, 'hex').toString('base64') } : {}),
      ...(crc32c ? { crc32c: Buffer.from(crc32c, 'hex').toString('base64') } : {}),
      metadata: { sha256: options.sha256 },
    };
  }

  #preconditions(options: PutOptions): string {
    if (options.ifNoneMatch === '*') return '&ifGenerationMatch=0';
    return options.ifMatch !== undefined ? `&ifGenerationMatch=${encodeURIComponent(options.ifMatch)}` : '';
  }

  async #putMultipart(key: string, body: Body, options: PutOptions): Promise<{ object: GcsObject; md5: string; crc32c: string }> {
    const md5 = await md5ForUpload(`${this.location}/${key}`, body, options);
    const data = 'file' in body ? await readWhole(body.file, options.size) : body.data;
    // The bytes in hand, as sent: GCS refuses them unless they have this CRC32C too.
    const crc32c = crc32cHex(data);
    const boundary = `release-actions-${randomUUID()}`;
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(this.#metadata(key, options, md5, crc32c))}\r\n` +
          `--${boundary}\r\ncontent-type: ${options.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      data,
      Buffer.from(`\r\n--${boundary}--`),
    ]);
    const url = `${this.#api}/upload/storage/v1/b/${encodeURIComponent(this.bucket)}/o?uploadType=multipart${this.#preconditions(options)}`;
    const response = await this.#call('PUT', key, url, {
      method: 'POST',
      headers: { 'content-type': `multipart/related; boundary=${boundary}` },
      body: payload,
    });
    if (!response) throw new StorageError(`${this.location}: bucket ${this.bucket} not found`);
    return { object: (await response.json()) as GcsObject, md5, crc32c };
  }

  async #putResumable(
    key: string,
    file: string,
    size: number,
    options: PutOptions,
  ): Promise<{ object: GcsObject; md5: string; crc32c: string }> {
    const start = `${this.#api}/upload/storage/v1/b/${encodeURIComponent(this.bucket)}/o?uploadType=resumable${this.#preconditions(options)}`;
    const started = await this.#call('START UPLOAD', key, start, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8', 'x-upload-content-length': String(size) },
      body: JSON.stringify(this.#metadata(key, options)),
    });
    const session = started?.headers.get('location');
    await started?.body?.cancel();
    if (!session) throw new StorageError(`${this.location}: no upload session for ${key}`);
    const hasher = new UploadHasher({ crc32c: true });
    const handle = await open(file, 'r');
    try {
      for (let offset = 0; offset < size; ) {
        const chunk = Buffer.allocUnsafe(Math.min(this.#partSize, size - offset));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
        if (bytesRead !== chunk.length) throw new StorageError(`${file} shrank while it was sent`);
        hasher.update(chunk);
        const last = offset + chunk.length === size;
        const digest = last ? hasher.digest() : undefined;
        // The last chunk makes the object visible: only once the whole file proved to be what was declared.
        if (digest) assertDigest(`${this.location}/${key}`, digest, options);
        const response = await this.#call(`PUT bytes ${offset}-`, key, session, {
          method: 'PUT',
          headers: { 'content-range': `bytes ${offset}-${offset + chunk.length - 1}/${last ? size : '*'}` },
          body: chunk,
          accept: [308],
        });
        if (digest) {
          if (!response || response.status === 308) throw new StorageError(`${this.location}: ${key} was not completed`);
          return { object: (await response.json()) as GcsObject, md5: digest.md5.toString('hex'), crc32c: digest.crc32c ?? '' };
        }
        await response?.body?.cancel();
        offset += chunk.length;
      }
      throw new StorageError(`${this.location}: ${key} is empty, yet larger than a part`);
    } catch (error) {
      await httpRequest(session, { method: 'DELETE', accept: [404, 410, 499], retry: { attempts: 1 } }).catch(() => undefined);
      throw error;
    } finally {
      await handle.close();
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = joinKey(this.prefix, prefix);
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ maxResults: String(this.#pageSize) });
      if (full !== '') query.set('prefix', `${full}/`);
      if (pageToken) query.set('pageToken', pageToken);
      const url = `${this.#api}/storage/v1/b/${encodeURIComponent(this.bucket)}/o?${query}`;
      const response = await this.#call('LIST', prefix, url);
      if (!response) return;
      const page = (await response.json()) as { items?: GcsObject[]; nextPageToken?: string };
      for (const object of page.items ?? []) yield this.#info(object.name.slice(strip), object);
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  async delete(key: string): Promise<void> {
    const response = await this.#call('DELETE', key, this.#objectUrl(key), { method: 'DELETE' });
    await response?.body?.cancel();
  }
}

async function readWhole(file: string, size: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const data = Buffer.alloc(size);
    const { bytesRead } = await handle.read(data, 0, size, 0);
    if (bytesRead !== size) throw new StorageError(`${file} shrank while it was sent`);
    return data;
  } finally {
    await handle.close();
  }
}
