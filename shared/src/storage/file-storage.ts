/**
 * A local or mounted folder as a store. Writes go to a temporary file in the same
 * folder and are renamed into place (atomic); compare-and-swap takes an exclusive
 * lock file first. The ETag is the content's SHA-256, so it is stable across reruns.
 *
 * Durability: `flush()` fsyncs every file this store wrote or found (stat, list)
 * since the last flush, and their folders; publish-binaries calls it before it
 * writes the release index. A conditional write (the index, a marker: what makes
 * the rest visible) flushes first too, before it takes its lock, then syncs its own
 * content before the rename and its folders after. Flushes run one after another:
 * one that starts while another runs waits for it, and for its result. So a crash
 * of the machine holding the folder (or of an NFS server) never leaves an index
 * naming files that are not on disk, even files an earlier, killed run wrote and
 * this one found. A failed fsync fails this and every later flush and conditional
 * write of the store: after one, a later fsync that succeeds proves nothing. Other
 * writes are not synced one by one. On Windows a file that cannot be opened for
 * writing (read-only, or held by another program) is left as durable as Windows
 * makes it.
 */

import { createReadStream, existsSync, rmSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sha256File, sha256Hex } from '../core/hash.ts';
import { onInterrupt, processAlive } from '../core/interrupt.ts';
import { takeLockFile } from '../core/lock-file.ts';
import { resolveInside } from '../core/paths.ts';
import { mapPool } from '../core/pool.ts';
import { fullGuarantees } from './capabilities.ts';
import {
  type Body,
  type Capabilities,
  type ObjectInfo,
  PreconditionFailedError,
  type PutOptions,
  type Storage,
  StorageError,
} from './storage.ts';
import { checkedSize } from './upload-digest.ts';

/** The store's own files beside an object (hidden names, which no release file has): a write's lock, a write in progress. */
const TMP_MARK = '.tmp-';
/** A temporary file's name: `.tmp-<writer's pid>-<random>-<name>`. */
const TMP_NAME = /^\.tmp-(\d+)-/;
const LOCK_MARK = '.lock-';
/** Files stat'ed and hashed at once while listing (the hashing pool bounds the hashing itself). */
const LIST_CONCURRENCY = 8;
/** fsyncs at once in a flush (libuv's pool runs four); under a write's lock, one at a time. */
const FLUSH_CONCURRENCY = 8;
/** A folder that cannot be opened or synced (Windows, some FUSE and network file systems): as durable as the OS makes it. */
const UNSYNCABLE_FOLDER = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF', 'ENOTSUP']);
/** A file Windows will not open for writing, which it needs to flush one: read-only, or held by another program. */
const UNSYNCABLE_WINDOWS_FILE = new Set(['EPERM', 'EACCES', 'EBUSY']);

/** fsyncs a file or folder; a failure says which step failed (open or fsync). */
async function fsyncPath(target: string, folder: boolean): Promise<void> {
  const windows = process.platform === 'win32';
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let step = 'open';
  try {
    // Windows flushes a file only through a handle that may write to it.
    handle = await open(target, folder || !windows ? 'r' : 'r+');
    step = 'fsync';
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // A file another writer replaced meanwhile is theirs to sync.
    if (code === 'ENOENT') return;
    if (folder ? UNSYNCABLE_FOLDER.has(code) : windows && UNSYNCABLE_WINDOWS_FILE.has(code)) return;
    throw Object.assign(new Error(`${step} ${code || (err as Error).message}`), { step });
  } finally {
    await handle?.close();
  }
}

/**
 * mkdir -p that tells the truth: Node's recursive mkdir reports ENOENT where the file system refused a folder
 * (EROFS, EACCES); the first missing folder is then made on its own, which fails with the real reason.
 */
async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let missing = dir;
    while (!existsSync(path.dirname(missing)) && path.dirname(missing) !== missing) missing = path.dirname(missing);
    await mkdir(missing);
    throw err;
  }
}

export class FileStorage implements Storage {
  readonly root: string;
  readonly location: string;
  /** Files and folders written or found since the last flush (path → whether a folder). */
  readonly #unsynced = new Map<string, boolean>();
  /** The last flush, which the next one waits for. */
  #flushing: Promise<void> = Promise.resolve();
  /** The first failed flush: every later one fails with it. */
  #failed: StorageError | undefined;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.location = pathToFileURL(this.root).toString();
  }

  #path(key: string): string {
    return resolveInside(this.root, key);
  }

  /** The folders from the file's up to the root: a new name is durable once its folder is synced, a new folder once its parent is. */
  #foldersOf(file: string): string[] {
    const folders: string[] = [];
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      folders.push(dir);
      if (dir === this.root || dir === path.dirname(dir)) return folders;
    }
  }

  /**
   * fsyncs each entry; a failure is a StorageError naming the file and the step, without a cause (an ETIMEDOUT from
   * an NFS mount must not read as a network error to retry), and it stays the store's failure.
   */
  async #sync(entries: Iterable<[string, boolean]>, concurrency: number): Promise<void> {
    if (this.#failed) throw this.#failed;
    await mapPool([...entries], concurrency, async ([target, folder]) => {
      try {
        await fsyncPath(target, folder);
      } catch (err) {
        const name = path.relative(this.root, target) || '.';
        this.#failed ??= new StorageError(`${this.location}: ${name} could not be made durable (${(err as Error).message})`);
        throw this.#failed;
      }
    });
  }

  #remember(file: string): void {
    this.#unsynced.set(file, false);
    for (const dir of this.#foldersOf(file)) this.#unsynced.set(dir, true);
  }

  flush(): Promise<void> {
    const run = this.#flushing.then(() => {
      const entries = [...this.#unsynced];
      this.#unsynced.clear();
      return this.#sync(entries, FLUSH_CONCURRENCY);
    });
    this.#flushing = run.catch(() => {});
    return run;
  }

  /** Conditional writes hold under the store's lock file; the bytes are written and hashed here. */
  async capabilities(): Promise<Capabilities> {
    return fullGuarantees('declared');
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
      // Found, it may be named by the next index: an earlier run's write the kernel may not have written back yet.
      this.#remember(file);
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
    await makeFolder(path.dirname(file));
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    // Before the lock: a long writeback must not keep the lock from being kept fresh.
    if (conditional) await this.flush();
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
      // Ctrl-C or a cancelled job: the partial file goes too.
      const forget = onInterrupt(() => rmSync(tmp, { force: true }));
      try {
        if ('file' in body) await copyFile(body.file, tmp);
        else await writeFile(tmp, body.data);
        const written = await sha256File(tmp);
        if (written.sha256 !== options.sha256) {
          throw new StorageError(
            `${this.location}: ${key} was written with SHA-256 ${written.sha256}, expected ${options.sha256}`,
          );
        }
        if (conditional) {
          await this.#sync([[tmp, false]], 1);
          await rename(tmp, file);
          await this.#sync(
            this.#foldersOf(file).map((dir) => [dir, true]),
            1,
          );
        } else {
          await rename(tmp, file);
          this.#remember(file);
        }
      } finally {
        await rm(tmp, { force: true });
        forget();
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
    await this.#removeStaleTemporaries(start, entries);
    // Every file is hashed for its SHA-256 (a folder keeps no digest): on all the hashing workers at once.
    for (const info of await mapPool(keys, LIST_CONCURRENCY, (key) => this.stat(key))) if (info) yield info;
  }

  /**
   * Removes the temporary files a killed writer left (SIGKILL, a crash): those whose pid runs no process here. One
   * machine writes a folder at a time (a release's publish job), so a pid that is gone is a writer that is gone.
   */
  async #removeStaleTemporaries(dir: string, entries: readonly string[]): Promise<void> {
    const stale = entries.filter((entry) => {
      const pid = TMP_NAME.exec(path.basename(entry))?.[1];
      return pid !== undefined && !processAlive(Number(pid));
    });
    await Promise.all(stale.map((entry) => rm(path.join(dir, entry), { force: true })));
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}
