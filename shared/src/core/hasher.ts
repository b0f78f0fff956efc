/**
 * The one hashing scheduler: files wait in one line and each hashing thread takes the next as soon as it is free.
 * A job is hashed `now` (someone waits for it) or when the threads are `idle` (a digest needed only later). A `now`
 * job goes before every idle one; idle jobs take at most all threads but one, so a file someone waits for finds a
 * thread free; a waiter raises an idle job to `now`. Each job's progress is its `state`: queued → hashing → done.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DigestMismatchError } from './errors.ts';
import { type HashAlgorithm, type Hashed, type HashRequest, RACY_MS } from './file-digests.ts';
import type { WorkerData } from './hash-worker.ts';

export type { HashAlgorithm, Hashed } from './file-digests.ts';

export type Priority = 'now' | 'idle';

/** A file queued for hashing. */
export interface HashJob {
  /** Settles once the file is hashed; watching it changes nothing. */
  readonly result: Promise<Hashed>;
  /** Waits for it: an idle job not yet started is raised to `now` (it joins the back of the `now` line). */
  wait(): Promise<Hashed>;
}

/** One thread that hashes one file at a time (a worker thread; tests pass their own). */
export interface HashThread {
  hash(request: HashRequest): Promise<Hashed>;
  /** Whether the thread keeps the process alive: only while it hashes. */
  keepAlive(on: boolean): void;
  /** False once the thread has exited: it is then replaced. */
  readonly alive: boolean;
}

export interface HasherOptions {
  /** Hashing threads (default: one per core, at most four). */
  threads?: number;
  /** Nice steps the worker threads run below the caller (Linux; default 0): publish-binaries passes 5 (publish/setup.ts). */
  niceStep?: number;
  /** See file-digests.ts. */
  racyMs?: number;
  /** Starts a hashing thread (default: a worker running hash-worker.ts). */
  startThread?: (options: { niceStep: number }) => HashThread;
}

type JobState = 'queued' | 'hashing' | 'done';

interface Job {
  file: string;
  algorithms: readonly HashAlgorithm[];
  priority: Priority;
  state: JobState;
  resolve(hashed: Hashed): void;
  reject(err: unknown): void;
}

export class Hasher {
  readonly #size: number;
  readonly #racyMs: number;
  readonly #niceStep: number;
  readonly #startThread: (options: { niceStep: number }) => HashThread;
  /** Each thread with the job it is hashing, if any. */
  readonly #threads = new Map<HashThread, Job | undefined>();
  /** Queued jobs, each priority's in the order it joined that line. */
  #queue: Job[] = [];

  constructor({
    threads = Math.min(availableParallelism(), 4),
    niceStep = 0,
    racyMs = RACY_MS,
    startThread = (o) => new WorkerThread(o.niceStep),
  }: HasherOptions = {}) {
    this.#size = Math.max(1, threads);
    this.#niceStep = niceStep;
    this.#racyMs = racyMs;
    this.#startThread = startThread;
  }

  /** Starts the threads now, so they are up by the first file (idle, they do not keep the process alive). */
  start(): void {
    this.#fill();
  }

  /**
   * Size, hex digests and identity of the file, read once; file-system errors keep their `code`, and a file written to
   * while it was read fails with DigestMismatchError.
   */
  hash(file: string, algorithms: readonly HashAlgorithm[], { priority = 'now' }: { priority?: Priority } = {}): HashJob {
    let job: Job | undefined;
    const result = new Promise<Hashed>((resolve, reject) => {
      job = { file, algorithms, priority, state: 'queued', resolve, reject };
    });
    const queued = job as Job;
    this.#queue.push(queued);
    this.#dispatch();
    return {
      result,
      wait: () => {
        this.#raise(queued);
        return result;
      },
    };
  }

  #raise(job: Job): void {
    if (job.priority === 'now') return;
    job.priority = 'now';
    if (job.state !== 'queued') return;
    this.#queue = [...this.#queue.filter((j) => j !== job), job];
    this.#dispatch();
  }

  /** The first `now` job, else the first idle one if a thread is left for a `now` job to come. */
  #next(): Job | undefined {
    const now = this.#queue.find((j) => j.priority === 'now');
    const idleHashing = [...this.#threads.values()].filter((j) => j?.priority === 'idle').length;
    const job = now ?? (idleHashing < Math.max(1, this.#size - 1) ? this.#queue[0] : undefined);
    if (job) this.#queue = this.#queue.filter((j) => j !== job);
    return job;
  }

  #fill(): void {
    for (const [thread, job] of this.#threads) if (!thread.alive && !job) this.#threads.delete(thread);
    while (this.#threads.size < this.#size) {
      const thread = this.#startThread({ niceStep: this.#niceStep });
      thread.keepAlive(false);
      this.#threads.set(thread, undefined);
    }
  }

  #dispatch(): void {
    if (this.#queue.length > 0) this.#fill();
    for (const [thread, current] of this.#threads) {
      if (current || !thread.alive) continue;
      const job = this.#next();
      if (!job) return;
      void this.#run(thread, job);
    }
  }

  async #run(thread: HashThread, job: Job): Promise<void> {
    this.#threads.set(thread, job);
    job.state = 'hashing';
    thread.keepAlive(true);
    try {
      job.resolve(await thread.hash({ file: job.file, algorithms: job.algorithms, racyMs: this.#racyMs }));
    } catch (err) {
      job.reject(hashError(job, err));
    } finally {
      job.state = 'done';
      thread.keepAlive(false);
      this.#threads.set(thread, undefined);
      this.#dispatch();
    }
  }
}

/** A file written to while it was read fails with DigestMismatchError; other errors as they are. */
function hashError(job: Job, err: unknown): unknown {
  if ((err as { code?: string }).code !== 'ECHANGED') return err;
  return new DigestMismatchError(`${job.file} (written to while it was read)`, 'unchanged bytes', 'other bytes');
}

/** The worker's module: the .ts source beside this one, or the bundled file beside the bundle (shared/scripts/bundle.ts). */
const WORKER_MODULE = new URL(import.meta.url.endsWith('.ts') ? './hash-worker.ts' : './hash-worker.js', import.meta.url);

interface Reply {
  hashed?: Hashed;
  error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
}

class WorkerThread implements HashThread {
  readonly #worker: Worker;
  #pending: { resolve(hashed: Hashed): void; reject(err: unknown): void } | undefined;
  alive = true;

  constructor(niceStep: number) {
    this.#worker = new Worker(WORKER_MODULE, { workerData: { niceStep } satisfies WorkerData });
    this.#worker.on('message', (reply: Reply) => {
      const pending = this.#pending;
      this.#pending = undefined;
      if (reply.error) pending?.reject(Object.assign(new Error(reply.error.message), reply.error));
      else pending?.resolve(reply.hashed as Hashed);
    });
    const fail = (err: unknown) => {
      if (!this.alive) return;
      this.alive = false;
      this.#pending?.reject(err);
      this.#pending = undefined;
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the hashing worker exited (code ${code})`)));
  }

  hash(request: HashRequest): Promise<Hashed> {
    if (!this.alive) return Promise.reject(new Error('the hashing worker has exited'));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(request);
    });
  }

  keepAlive(on: boolean): void {
    if (on) this.#worker.ref();
    else this.#worker.unref();
  }
}
