/**
 * A local or mounted folder as a store. Writes go to a temporary file in the same
 * folder and are renamed into place (atomic); compare-and-swap takes an exclusive
 * lock file first. The ETag is the content's SHA-256, so it is stable across reruns.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sha256File, sha256Hex } from '../core/hash.ts';
import { takeLockFile } from '../core/lock-file.ts';
import { resolveInside } from '../core/paths.ts';
import { mapPool } from '../core/pool.ts';
import { type Body, type ObjectInfo, PreconditionFailedError, type PutOptions, type Storage, StorageError } from './storage.ts';
import { checkedSize } from './upload-digest.ts';

/** The store's own files beside an object (hidden names, which no release file has): a write's lock, a write in progress. */
const TMP_MARK = '.tmp-';
const LOCK_MARK = '.lock-';
/** Files stat'ed and hashed at once while listing (the hashing pool bounds the hashing itself). */
const LIST_CONCURRENCY = 8;

export class FileStorage implements Storage {
  readonly root: string;
  readonly location: string;
  constructor(root: string) {
    this.root = path.resolve(root);
    this.location = pathToFileURL(this.root).toString();
  }

  #path(key: string): string {
    return resolveInside(this.root, key);
  }

  urlFor(key: string): string {
    return pathToFileURL(this.#path(key)).toString();
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const file = this.#path(key);
    try {
      const s = await stat(file);
      if (!s.isFile()) return undefined;
      const { sha256 } = await sha256File(file);
      return { key, size: s.size, etag: sha256, sha256 };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async read(key: string): Promise<{ data: Buffer; info: ObjectInfo } | undefined> {
    try {
      const data = await readFile(this.#path(key));
      const sha256 = sha256Hex(data);
      return { data, info: { key, size: data.length, etag: sha256, sha256 } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw err;
    }
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    return createReadStream(this.#path(key));
  }

  async put(key: string, body: Body, options: PutOptions): Promise<ObjectInfo> {
    const file = this.#path(key);
    await checkedSize(`${this.location}/${key}`, body, options.size);
    await mkdir(path.dirname(file), { recursive: true });
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    const unlock = conditional
      ? await takeLockFile(path.join(path.dirname(file), `${LOCK_MARK}${path.basename(file)}`))
      : undefined;
    try {
      if (conditional) {
        const current = await this.stat(key);
        if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(this.location, key);
        if (options.ifMatch !== undefined && current?.etag !== options.ifMatch)
          throw new PreconditionFailedError(this.location, key);
      }
      const tmp = path.join(
        path.dirname(file),
        `${TMP_MARK}${process.pid}-${Math.random().toString(36).slice(2)}-${path.basename(file)}`,
      );
      try {
        if ('file' in body) await copyFile(body.file, tmp);
        else await writeFile(tmp, body.data);
        const written = await sha256File(tmp);
        if (written.sha256 !== options.sha256) {
          throw new StorageError(
            `${this.location}: ${key} was written with SHA-256 ${written.sha256}, expected ${options.sha256}`,
          );
        }
        await rename(tmp, file);
      } finally {
        await rm(tmp, { force: true });
      }
      return { key, size: options.size, etag: options.sha256, sha256: options.sha256 };
    } finally {
      await unlock?.();
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const start = this.#path(prefix);
    let entries: string[];
    try {
      entries = (await readdir(start, { recursive: true })) as string[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    const keys = entries
      .sort()
      .map((entry) => path.posix.join(prefix, entry.split(path.sep).join('/')))
      .filter((key) => !path.basename(key).startsWith(TMP_MARK) && !path.basename(key).startsWith(LOCK_MARK));
    // Every file is hashed for its SHA-256 (a folder keeps no digest): on all the hashing workers at once.
    for (const info of await mapPool(keys, LIST_CONCURRENCY, (key) => this.stat(key))) if (info) yield info;
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}
