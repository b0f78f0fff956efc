/**
 * File hashing on worker threads. A worker opens the file itself, reads it once
 * into one reused 256 KiB buffer and feeds every requested hash, so the bytes
 * never cross threads and the main thread stays free for the network and the
 * plan. (A chunk that small is still in the CPU cache when the hashes read it:
 * about 7 % less CPU than 1 MiB chunks.)
 * One worker per core (SHA-512 runs at about half SHA-256's speed; two files
 * hashed side by side keep both cores busy). A worker keeps the process alive
 * only while it has files to hash.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Evaluated in the worker: no file to ship beside the bundle. Built-ins come from process.getBuiltinModule, so the
 * source runs whether the worker inherits CommonJS or ESM (`--input-type=module` is passed on to workers).
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createHash } = process.getBuiltinModule('node:crypto');
const { openSync, readSync, closeSync } = process.getBuiltinModule('node:fs');
const buffer = Buffer.allocUnsafe(1 << 18);
parentPort.on('message', ({ file, algorithms }) => {
  let fd;
  try {
    fd = openSync(file, 'r');
    const hashes = algorithms.map((a) => createHash(a));
    let size = 0;
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; size += n) {
      const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
      for (const h of hashes) h.update(chunk);
    }
    parentPort.postMessage({ size, hex: hashes.map((h) => h.digest('hex')) });
  } catch (err) {
    parentPort.postMessage({ error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, path: err.path } });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

export type HashAlgorithm = 'sha256' | 'sha512' | 'md5';

interface Reply {
  size?: number;
  hex?: string[];
  error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
}

interface Job {
  file: string;
  algorithms: readonly HashAlgorithm[];
  resolve(reply: { size: number; hex: string[] }): void;
  reject(err: unknown): void;
}

/** Files a worker holds at most, while more files wait than there are workers. */
const DEPTH = 3;

/**
 * Files wait in one queue. The whole pool starts with the first file (the
 * workers boot side by side), and while more files wait than there are workers,
 * each worker holds a few: it goes on to its next file without a round trip to
 * the main thread, which may be busy for tens of milliseconds (loading a store's
 * client, answering the network). Near the end of the queue a worker takes only
 * one file at a time, so none sits idle while another still has files lined up
 * (callers that submit the largest files first get the shortest tail).
 */
export class HashWorkers {
  readonly #size: number;
  /** Each live worker with its files in flight, in the order they were sent (a worker answers in that order). */
  readonly #workers = new Map<Worker, Job[]>();
  readonly #queue: Job[] = [];

  constructor(size = Math.max(1, Math.min(availableParallelism(), 4))) {
    this.#size = size;
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
    const inFlight: Job[] = [];
    this.#workers.set(worker, inFlight);
    worker.on('message', (reply: Reply) => {
      const job = inFlight.shift();
      if (job) {
        if (reply.error) job.reject(Object.assign(new Error(reply.error.message), reply.error));
        else job.resolve({ size: reply.size as number, hex: reply.hex as string[] });
      }
      this.#dispatch();
    });
    const fail = (err: unknown) => {
      if (!this.#workers.delete(worker)) return;
      for (const job of inFlight.splice(0)) job.reject(err);
      this.#dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing worker exited (code ${code})`)));
  }

  #dispatch(): void {
    if (this.#queue.length > 0) this.#fill();
    for (let depth = 1; depth <= DEPTH; depth++) {
      for (const [worker, inFlight] of this.#workers) {
        if (this.#queue.length === 0 || (depth > 1 && this.#queue.length <= this.#workers.size)) break;
        if (inFlight.length >= depth) continue;
        const job = this.#queue.shift() as Job;
        inFlight.push(job);
        worker.postMessage({ file: job.file, algorithms: job.algorithms });
      }
    }
    // Only a worker with files in flight keeps the process alive.
    for (const [worker, inFlight] of this.#workers) {
      if (inFlight.length > 0) worker.ref();
      else worker.unref();
    }
  }

  /** Size and hex digests (in the order of `algorithms`) of the file; file-system errors keep their `code`. */
  hash(file: string, algorithms: readonly HashAlgorithm[]): Promise<{ size: number; hex: string[] }> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ file, algorithms, resolve, reject });
      this.#dispatch();
    });
  }

  /** Files in flight on each worker (for tests). */
  get inFlight(): number[] {
    return [...this.#workers.values()].map((jobs) => jobs.length);
  }
}

/** The process's hashing workers. */
export const hashWorkers = new HashWorkers();
