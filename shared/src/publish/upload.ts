/**
 * The act step for one destination: upload what the plan marked, at most
 * `concurrency` at once, with progress in files and bytes. Release files get a
 * long immutable cache; the index (written separately, last) gets no-cache.
 */
import { type Logger, Progress } from '../core/logger.ts';
import { mapPoolWhenReady } from '../core/pool.ts';
import { withRetry } from '../core/retry.ts';
import { type Body, PreconditionFailedError, type Storage, type WrittenInfo } from '../storage/storage.ts';
import { holdsFile, type PlannedObject } from './plan.ts';

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const INDEX_CACHE_CONTROL = 'no-cache';

export interface UploadSettings {
  concurrency: number;
  cacheControl: string;
  contentTypeOf(path: string): string;
}

/** What keeps a run from replacing the objects of another run publishing the same version (see publish.ts). */
export interface UploadGuard {
  /** The store enforces If-None-Match: * at every size: a new object is created only where there is none. */
  createOnly: boolean;
  /** Throws, before an object found with other bytes is replaced, when that is no longer this run's to do. */
  beforeReplace(path: string): Promise<void>;
  /** The error for an object another run created with other bytes meanwhile. */
  conflict(path: string, what: string): Error;
}

export interface PutRequest {
  key: string;
  body: Body;
  sha256: string;
  /** The body's MD5, for a store that sends one (see PutOptions.md5). */
  md5?: () => Promise<string>;
  size: number;
  contentType: string;
  cacheControl: string;
  /** Write only where there is no such object yet (the store refuses with PreconditionFailedError). */
  ifNoneMatch?: '*';
}

/** One put, retried: stores retry their own requests, this covers a whole upload failing. */
export function putObject(storage: Storage, request: PutRequest): Promise<WrittenInfo> {
  const { key, body, ...options } = request;
  return withRetry(() => storage.put(key, body, options), {
    attempts: 3,
    baseDelayMs: 250,
    what: `upload ${storage.location}/${key}`,
  });
}

/** Largest first: the long transfers start together and the small files fill in after, not one large file alone at the end. */
function largestFirst(a: PlannedObject, b: PlannedObject): number {
  return b.file.size - a.file.size;
}

/**
 * Uploads the planned objects marked 'upload', the largest first of those the tree's claims allow to go
 * (ReleaseFile.ready); returns the bytes sent and what the store answered for each key. With a guard, a new object is
 * created only where none is yet, and one that differs is replaced only while the guard allows.
 */
export async function uploadPlanned(
  storage: Storage,
  objects: readonly PlannedObject[],
  settings: UploadSettings,
  logger: Logger,
  guard?: UploadGuard,
): Promise<{ bytes: number; written: Map<string, WrittenInfo> }> {
  const todo = objects.filter((o) => o.action === 'upload').sort(largestFirst);
  const total = todo.reduce((sum, o) => sum + o.file.size, 0);
  const progress = new Progress(logger, todo.length, total);
  const written = new Map<string, WrittenInfo>();
  // A file whose MD5 the store asks for (Content-MD5) is ready once that is made too: asked for every file at once, in
  // upload order, so the hashers make them one after another while the slots go to what is ready (the checksum files
  // held in memory first, at once). A file still waiting for the tree's checks (a SHA-512 checksum file, whose
  // readiness raises the SHA-512s left, queued behind those MD5s) holds no slot while others could go.
  const md5First = (o: PlannedObject) => storage.md5UpTo !== undefined && o.file.size <= storage.md5UpTo;
  const ready = (o: PlannedObject) => (md5First(o) ? Promise.all([o.file.ready(), o.file.md5()]) : o.file.ready());
  const upload = async ({ file, key, reason }: PlannedObject) => {
    if (reason === 'changed') await guard?.beforeReplace(file.path);
    const createOnly = guard?.createOnly === true && reason === 'new';
    const request: PutRequest = {
      key,
      body: file.body,
      sha256: file.sha256,
      md5: file.md5,
      size: file.size,
      contentType: settings.contentTypeOf(file.path),
      cacheControl: settings.cacheControl,
      ...(createOnly && { ifNoneMatch: '*' }),
    };
    const info = await putObject(storage, request).catch(async (error: unknown) => {
      if (!(createOnly && guard) || !(error instanceof PreconditionFailedError)) throw error;
      // Created meanwhile (by another run, or by this put whose answer was lost): the same bytes are as good as ours.
      const there = await storage.stat(key);
      if (there && (await holdsFile(storage, key, there, file))) return there;
      throw guard.conflict(file.path, there ? 'created meanwhile with other content' : 'created and deleted meanwhile');
    });
    written.set(key, info);
    progress.tick(`${storage.location}: ${key}`, file.size);
  };
  await mapPoolWhenReady(todo, settings.concurrency, ready, upload);
  return { bytes: total, written };
}
