/**
 * File hashing on worker threads and, when no worker is free, on the calling
 * thread. A hasher opens the file itself, reads it once into one reused 256 KiB
 * buffer and feeds every requested hash, so the bytes never cross threads. (A
 * chunk that small is still in the CPU cache when the hashes read it: about 7 %
 * less CPU than 1 MiB chunks.) On the calling thread that is one chunk per turn
 * of its event loop, so its requests go on between two chunks.
 * One hasher per core: a worker per core but one, and the calling thread (files
 * hashed side by side keep every core busy). A worker keeps the process alive
 * only while it has files to hash.
 *
 * Every answer carries the file's identity (device, inode, size, modification and
 * change times, the same from the open descriptor before and after the read, else
 * the read fails: the file was written meanwhile). A later read of the same file
 * with the same identity read the same bytes, if the identity is `stable`: any
 * write changes the change time, which no user can set — unless it lands within
 * the same tick of the file-system clock as the write before it. That tick is a
 * kernel clock tick (at most 10 ms) where times have sub-second digits, and a
 * second or two where they have none (ext3, HFS+, FAT, some network file
 * systems). So an identity is stable only if its change time has sub-second
 * digits and lies RACY_MS or more before the read began (as git treats "racily
 * clean" entries); otherwise only the bytes themselves tell.
 *
 * Workers hash a little below the priority of the thread that starts them (nice
 * +WORKER_NICE_STEP, per thread, on Linux): the hashing runs ahead of the uploads
 * that need it, so the CPU goes first to what moves bytes — the main thread's
 * requests, TLS, a store or registry on the same machine — and the hashing takes
 * most of what is left. On two cores with the store on loopback this took the
 * issue-shaped publish from 1.06–1.12× rclone's time to 0.98–1.02× (10–12 alternating
 * rounds, publish.bench.ts; +19 gained no more). A step of 5 still leaves the
 * hashing its share on a machine busy with other work: next to two busy threads
 * on two cores, two files took 1.2–1.3× as long as at the caller's priority, where
 * +19 took 7–16× as long. Elsewhere the workers run at the caller's priority.
 *
 * Digests nobody waits for yet (publish-binaries' SHA-512s, needed for the index
 * at the end) are hashed `later`: on one worker only (when the pool has two or
 * more) and only while no other file waits, so the other workers stay free for
 * what an upload waits for (its MD5) and this hashing fills the time between. A
 * file waited for after all is `hurry`-ed: if it has not started, it joins the
 * others; if it has, it finishes where it is.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DigestMismatchError } from './errors.ts';

/**
 * A hundred times the coarsest kernel clock tick (HZ=100) that sub-second file times are taken from: the margin is
 * for a network file system, whose times come from the server's clock, running behind this machine's.
 */
const RACY_MS = 1_000;

/** How far below the caller's priority the workers run (nice steps; CFS weights 1024 : 335). */
export const WORKER_NICE_STEP = 5;

/** What one read of a file answers (before the worker's reply is typed as Hashed). */
interface FileDigest {
  size: number;
  hex: string[];
  identity: string;
  stable: boolean;
}

/**
 * Reads the file once into `buffer`, feeding every requested hash, and yields after each chunk. Self-contained (its
 * built-ins are parameters): its source is also the worker's, which runs it to the end in one go; the calling thread
 * runs it a chunk at a time (HashWorkers, `here`). A file whose identity changed during the read fails with code
 * ECHANGED.
 */
function* readDigests(
  fs: typeof import('node:fs'),
  crypto: typeof import('node:crypto'),
  buffer: Buffer,
  file: string,
  algorithms: readonly string[],
  racyMs: number,
): Generator<undefined, FileDigest> {
  const stat = (fd: number) => fs.fstatSync(fd, { bigint: true });
  const identify = (s: import('node:fs').BigIntStats) => [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join(':');
  const started = BigInt(Date.now()) * 1000000n;
  const fd = fs.openSync(file, 'r');
  try {
    const before = stat(fd);
    const identity = identify(before);
    const hashes = algorithms.map((a) => crypto.createHash(a));
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
      for (const h of hashes) h.update(chunk);
      size += n;
      yield;
    }
    if (identify(stat(fd)) !== identity)
      throw Object.assign(new Error(`${file} changed while it was hashed`), { code: 'ECHANGED', path: file });
    const stable = before.ctimeNs % 1000000000n !== 0n && started - before.ctimeNs >= BigInt(racyMs) * 1000000n;
    return { size, hex: hashes.map((h) => h.digest('hex')), identity, stable };
  } finally {
    fs.closeSync(fd);
  }
}

/** 256 KiB: still in the CPU cache when the hashes read it (about 7 % less CPU than 1 MiB chunks). */
const CHUNK = 1 << 18;

/**
 * Evaluated in the worker: no file to ship beside the bundle. Built-ins come from process.getBuiltinModule, so the
 * source runs whether the worker inherits CommonJS or ESM (`--input-type=module` is passed on to workers).
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const fs = process.getBuiltinModule('node:fs');
const crypto = process.getBuiltinModule('node:crypto');
if (process.platform === 'linux') {
  // On Linux (only) a nice value is a thread's own: pid 0 is this thread, not the process.
  const os = process.getBuiltinModule('node:os');
  try {
    os.setPriority(0, Math.min(19, os.getPriority(0) + ${WORKER_NICE_STEP}));
  } catch {}
}
const readDigests = ${readDigests.toString()};
const buffer = Buffer.allocUnsafe(${CHUNK});
parentPort.on('message', ({ file, algorithms, racyMs }) => {
  try {
    const steps = readDigests(fs, crypto, buffer, file, algorithms, racyMs);
    let step = steps.next();
    while (!step.done) step = steps.next();
    parentPort.postMessage(step.value);
  } catch (err) {
    parentPort.postMessage({ error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, path: err.path } });
  }
});
`;

export type HashAlgorithm = 'sha1' | 'sha256' | 'sha512' | 'md5';

/** What a worker read: the file's size, its digests and its identity. */
export interface Hashed {
  size: number;
  /** In the order of the algorithms asked for. */
  hex: string[];
  /** Opaque: equal for two reads of a file that did not change between them (when `stable`). */
  identity: string;
  /** Whether the identity tells every later change (false: the file changed shortly before it was read). */
  stable: boolean;
}

interface Reply {
  size?: number;
  hex?: string[];
  identity?: string;
  stable?: boolean;
  error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
}

interface Job {
  file: string;
  algorithms: readonly HashAlgorithm[];
  resolve(reply: Hashed): void;
  reject(err: unknown): void;
}

/** A file hashed when the pool has nothing else to do (HashWorkers.later). */
export interface LaterHash {
  result: Promise<Hashed>;
  /** Someone waits for it now: hashed as soon as any worker is free, if it has not started yet. */
  hurry(): void;
}

/** Hashing threads besides the caller's: one per core but the caller's own, up to three. */
function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 4) - 1);
}

export interface HashWorkersOptions {
  /** Worker threads (default: one per core but one, at least one, at most three). */
  workers?: number;
  /** See RACY_MS. */
  racyMs?: number;
  /** Whether the calling thread hashes too: a file waited for while every worker is busy or still booting (default true). */
  here?: boolean;
}

/**
 * Files wait in one queue and a worker takes the next as soon as it is free, so
 * a worker never sits idle while another has files lined up (callers that submit
 * the largest files first get the shortest tail); files for later wait in a second
 * queue, for the background worker. The whole pool boots with the first file, or
 * earlier with `start()`: the workers boot side by side, not one after the other
 * as files arrive, and take files once they are up.
 *
 * A worker's boot is a whole Node environment: about 90 ms and as much CPU on a
 * runner-sized machine, before it hashes a byte. So the calling thread hashes too,
 * a chunk per turn of its event loop (its requests go on between two chunks): it
 * takes the next file waited for whenever no worker is free — the first ones while
 * the workers boot, on a core they leave idle — and never a file for later. With it,
 * one worker fewer than cores keeps every core busy, and a two-core machine pays
 * for one boot instead of two.
 */
export class HashWorkers {
  readonly #size: number;
  readonly #racyMs: number;
  readonly #here: boolean;
  /** Each live worker with the file it is hashing, if any; a worker still booting is not in #online. */
  readonly #workers = new Map<Worker, Job | undefined>();
  readonly #online = new Set<Worker>();
  readonly #queue: Job[] = [];
  readonly #later: Job[] = [];
  /** The one worker that takes files for later, with two or more workers (a single worker takes everything). */
  #background: Worker | undefined;
  /** The file the calling thread is hashing, and its buffer (made on first use). */
  #hereJob: Job | undefined;
  #hereBuffer: Buffer | undefined;

  constructor({ workers = defaultWorkers(), racyMs = RACY_MS, here = true }: HashWorkersOptions = {}) {
    this.#size = workers;
    this.#racyMs = racyMs;
    this.#here = here;
  }

  /** Boots the workers now, so they are ready by the first file (idle, they do not keep the process alive). */
  start(): void {
    this.#fill();
    this.#dispatch();
  }

  #fill(): void {
    while (this.#workers.size < this.#size) this.#spawn();
  }

  #spawn(): void {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    if (this.#size >= 2 && !this.#background) this.#background = worker;
    this.#workers.set(worker, undefined);
    worker.on('online', () => {
      this.#online.add(worker);
      this.#dispatch();
    });
    worker.on('message', (reply: Reply) => {
      const job = this.#workers.get(worker);
      this.#workers.set(worker, undefined);
      if (job) {
        if (reply.error) job.reject(hashError(job, Object.assign(new Error(reply.error.message), reply.error)));
        else job.resolve({ ...(reply as FileDigest), stable: reply.stable === true });
      }
      this.#dispatch();
    });
    const fail = (err: unknown) => {
      if (!this.#workers.has(worker)) return;
      this.#workers.get(worker)?.reject(err);
      this.#workers.delete(worker);
      this.#online.delete(worker);
      if (this.#background === worker) this.#background = undefined;
      this.#dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing worker exited (code ${code})`)));
  }

  #dispatch(): void {
    if (this.#queue.length > 0 || this.#later.length > 0) this.#fill();
    for (const worker of this.#online) {
      const current = this.#workers.get(worker);
      const job = current ?? this.#queue.shift() ?? (this.#takesLater(worker) ? this.#later.shift() : undefined);
      if (job && !current) {
        this.#workers.set(worker, job);
        worker.postMessage({ file: job.file, algorithms: job.algorithms, racyMs: this.#racyMs });
      }
      // Only a worker with a file to hash keeps the process alive.
      if (job) worker.ref();
      else worker.unref();
    }
    // A booting worker keeps the process alive while files wait for it.
    const waiting = this.#queue.length > 0 || this.#later.length > 0;
    for (const worker of this.#workers.keys()) {
      if (this.#online.has(worker)) continue;
      if (waiting) worker.ref();
      else worker.unref();
    }
    const next = this.#here && !this.#hereJob ? this.#queue.shift() : undefined;
    if (next) void this.#hashHere(next);
  }

  /** Hashes the file on this thread, a chunk per turn of the event loop. */
  async #hashHere(job: Job): Promise<void> {
    this.#hereJob = job;
    try {
      this.#hereBuffer ??= Buffer.allocUnsafe(CHUNK);
      const steps = readDigests(fs, crypto, this.#hereBuffer, job.file, job.algorithms, this.#racyMs);
      for (let step = steps.next(); ; step = steps.next()) {
        if (step.done) {
          job.resolve(step.value);
          break;
        }
        await new Promise(setImmediate);
      }
    } catch (err) {
      job.reject(hashError(job, err));
    } finally {
      this.#hereJob = undefined;
      this.#dispatch();
    }
  }

  #takesLater(worker: Worker): boolean {
    return this.#size < 2 || this.#background === worker;
  }

  /**
   * Size, hex digests and identity of the file; file-system errors keep their `code`, and a file written to while it
   * was read fails with DigestMismatchError.
   */
  hash(file: string, algorithms: readonly HashAlgorithm[]): Promise<Hashed> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ file, algorithms, resolve, reject });
      this.#dispatch();
    });
  }

  /** As `hash`, when the pool has nothing else to do (see the module comment), until hurried. */
  later(file: string, algorithms: readonly HashAlgorithm[]): LaterHash {
    let job: Job | undefined;
    const result = new Promise<Hashed>((resolve, reject) => {
      job = { file, algorithms, resolve, reject };
      this.#later.push(job);
      this.#dispatch();
    });
    return {
      result,
      hurry: () => {
        const waiting = job ? this.#later.indexOf(job) : -1;
        if (waiting < 0 || !job) return;
        this.#later.splice(waiting, 1);
        this.#queue.push(job);
        this.#dispatch();
      },
    };
  }

  /** Files being hashed on each worker, 0 or 1, and on the calling thread, last (for tests). */
  get inFlight(): number[] {
    return [...[...this.#workers.values()].map((job) => (job ? 1 : 0)), this.#hereJob ? 1 : 0];
  }
}

/** A file written to while it was read fails with DigestMismatchError; other errors as they are. */
function hashError(job: Job, err: unknown): unknown {
  if ((err as { code?: string }).code !== 'ECHANGED') return err;
  return new DigestMismatchError(`${job.file} (written to while it was read)`, 'unchanged bytes', 'other bytes');
}

/** The process's hashing workers. */
export const hashWorkers = new HashWorkers();
