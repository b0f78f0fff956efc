/**
 * File hashing on worker threads. A worker opens the file itself, reads it once
 * into one reused buffer and feeds every requested hash, so the bytes never
 * cross threads and the main thread stays free for the network and the plan.
 * One worker per core (SHA-512 runs at about half SHA-256's speed; two files
 * hashed side by side keep both cores busy). A worker keeps the process alive
 * only while a job of its own is unanswered.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Evaluated as CommonJS in the worker: no file to ship beside the bundle. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, file, algorithms }) => {
  let fd;
  try {
    fd = openSync(file, 'r');
    const hashes = algorithms.map((a) => createHash(a));
    let size = 0;
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; size += n) {
      const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
      for (const h of hashes) h.update(chunk);
    }
    parentPort.postMessage({ id, size, hex: hashes.map((h) => h.digest('hex')) });
  } catch (err) {
    parentPort.postMessage({ id, error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, path: err.path } });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

export type HashAlgorithm = 'sha256' | 'sha512' | 'sha1' | 'md5';

interface Reply {
  id: number;
  size?: number;
  hex?: string[];
  error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
}

interface Pending {
  resolve(reply: { size: number; hex: string[] }): void;
  reject(err: unknown): void;
}

class HashWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #broken: unknown;

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const job = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (!job) return;
      if (reply.error) job.reject(Object.assign(new Error(reply.error.message), reply.error));
      else job.resolve({ size: reply.size as number, hex: reply.hex as string[] });
    });
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the hashing worker exited (code ${code})`)));
  }

  #fail(err: unknown): void {
    this.#broken ??= err;
    for (const job of this.#pending.values()) job.reject(err);
    this.#pending.clear();
  }

  get load(): number {
    return this.#broken === undefined ? this.#pending.size : Number.POSITIVE_INFINITY;
  }

  hash(id: number, file: string, algorithms: readonly HashAlgorithm[]): Promise<{ size: number; hex: string[] }> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, file, algorithms });
    });
  }
}

export class HashWorkers {
  readonly #size: number;
  #workers: HashWorker[] = [];
  #nextId = 0;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 4))) {
    this.#size = size;
  }

  /** The worker with the fewest files queued, starting workers as needed (a broken one is replaced). */
  #pick(): HashWorker {
    this.#workers = this.#workers.filter((w) => w.load !== Number.POSITIVE_INFINITY);
    const idle = this.#workers.find((w) => w.load === 0);
    if (idle) return idle;
    if (this.#workers.length < this.#size) {
      const worker = new HashWorker();
      this.#workers.push(worker);
      return worker;
    }
    return this.#workers.reduce((a, b) => (b.load < a.load ? b : a));
  }

  /** Size and hex digests (in the order of `algorithms`) of the file; file-system errors keep their `code`. */
  hash(file: string, algorithms: readonly HashAlgorithm[]): Promise<{ size: number; hex: string[] }> {
    return this.#pick().hash(this.#nextId++, file, algorithms);
  }
}

/** The process's hashing workers. */
export const hashWorkers = new HashWorkers();
