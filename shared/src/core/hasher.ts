/**
 * The one hashing scheduler: files wait in one line and each hashing thread takes the next as soon as it is free.
 * A job is hashed `now` (someone waits for it) or when the threads are `idle` (a digest needed only later). A `now`
 * job goes before every idle one; idle jobs take at most all threads but one, so a file someone waits for finds a
 * thread free; a waiter raises an idle job to `now`. Each job's progress is its `state`: queued → taken (by a
 * thread) → done.
 *
 * A thread hashing a `now` job is handed the next `now` job ahead, while more than one per thread waits: it starts
 * it without waiting for this thread to hear of the last one (on a busy main thread each hand-over cost a hashing
 * thread 0.1-0.3 ms, 3-7 % of the sign bench). The last jobs are not handed ahead, so the threads still end together.
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

/** One thread that hashes one file at a time, in the order it was given them (a worker thread; tests pass their own). */
export interface HashThread {
  /**
   * Hashes the file once the requests given before it are answered. When the thread dies, the file it was hashing
   * fails with the thread's error, and those behind it with NotStarted.
   */
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
  /**
   * The hashing worker's module (default: the one beside this module: hash-worker.ts in the source, the bundled
   * hash-worker.js in a bundle). The sign bench runs the source but passes the bundled worker, which users run.
   */
  workerModule?: URL;
  /** Starts a hashing thread (default: a worker running workerModule). */
  startThread?: (options: { niceStep: number }) => HashThread;
}

type JobState = 'queued' | 'taken' | 'done';

/** A request a thread was given but died before starting: the Hasher gives it to another. */
export class NotStarted extends Error {}

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
  /** Each thread with its line: the job it hashes, then the one handed to it ahead, if any. */
  readonly #threads = new Map<HashThread, Job[]>();
  /** Queued jobs, each priority's in the order it joined that line. */
  #queue: Job[] = [];

  constructor({
    threads = Math.min(availableParallelism(), 4),
    niceStep = 0,
    racyMs = RACY_MS,
    workerModule = WORKER_MODULE,
    startThread = (o) => new WorkerThread(workerModule, o.niceStep),
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

  /**
   * For a free thread: the first `now` job, else the first idle one if a thread is left for a `now` job to come. For a
   * thread hashing a `now` job: the first `now` job, while more than one per thread waits.
   */
  #next(line: readonly Job[]): Job | undefined {
    const now = this.#queue.find((j) => j.priority === 'now');
    let job: Job | undefined;
    if (line.length === 0) {
      const idleTaken = [...this.#threads.values()].flat().filter((j) => j.priority === 'idle').length;
      job = now ?? (idleTaken < Math.max(1, this.#size - 1) ? this.#queue[0] : undefined);
    } else if (line.length === 1 && line[0]?.priority === 'now' && this.#queue.length > this.#size) job = now;
    if (job) this.#queue = this.#queue.filter((j) => j !== job);
    return job;
  }

  #fill(): void {
    for (const [thread, line] of this.#threads) if (!thread.alive && line.length === 0) this.#threads.delete(thread);
    while (this.#threads.size < this.#size) {
      const thread = this.#startThread({ niceStep: this.#niceStep });
      thread.keepAlive(false);
      this.#threads.set(thread, []);
    }
  }

  /** Free threads first, then a job ahead for each busy one. */
  #dispatch(): void {
    if (this.#queue.length > 0) this.#fill();
    for (const depth of [0, 1])
      for (const [thread, line] of this.#threads) {
        if (line.length !== depth || !thread.alive) continue;
        const job = this.#next(line);
        if (job) void this.#run(thread, line, job);
      }
  }

  async #run(thread: HashThread, line: Job[], job: Job): Promise<void> {
    line.push(job);
    job.state = 'taken';
    thread.keepAlive(true);
    try {
      job.resolve(await thread.hash({ file: job.file, algorithms: job.algorithms, racyMs: this.#racyMs }));
      job.state = 'done';
    } catch (err) {
      if (err instanceof NotStarted) {
        // Its thread died before it: back to the front of the line, for another thread.
        job.state = 'queued';
        this.#queue.unshift(job);
      } else {
        job.state = 'done';
        job.reject(hashError(job, err));
      }
    } finally {
      line.splice(line.indexOf(job), 1);
      if (line.length === 0) thread.keepAlive(false);
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
  /** The requests posted and not yet answered, in the order the worker answers them. */
  readonly #pending: { resolve(hashed: Hashed): void; reject(err: unknown): void }[] = [];
  alive = true;

  constructor(module: URL, niceStep: number) {
    this.#worker = new Worker(module, { workerData: { niceStep } satisfies WorkerData });
    this.#worker.on('message', (reply: Reply) => {
      const pending = this.#pending.shift();
      if (reply.error) pending?.reject(Object.assign(new Error(reply.error.message), reply.error));
      else pending?.resolve(reply.hashed as Hashed);
    });
    const fail = (err: unknown) => {
      if (!this.alive) return;
      this.alive = false;
      const [hashing, ...behind] = this.#pending.splice(0);
      hashing?.reject(err);
      for (const p of behind) p.reject(new NotStarted('the hashing worker exited before this file'));
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the hashing worker exited (code ${code})`)));
  }

  hash(request: HashRequest): Promise<Hashed> {
    if (!this.alive) return Promise.reject(new Error('the hashing worker has exited'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage(request);
    });
  }

  keepAlive(on: boolean): void {
    if (on) this.#worker.ref();
    else this.#worker.unref();
  }
}
