/**
 * SHA-512 on a second core. Per byte SHA-512 costs about as much as the two
 * SHA-256 passes the main thread already does (the digest, and the signature's
 * own hash), so one worker thread hashing SHA-512 for every file in flight
 * balances the pipeline. Chunks are moved (transferred, not copied) to the
 * worker when they own their memory, as file-stream chunks do; a file's reader waits
 * while more than `maxInFlight` bytes are queued, so memory stays bounded. The
 * worker keeps the process alive only while a message to it is unanswered (a
 * file whose read failed never asks for its digest and holds nothing).
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let hash = hashes.get(m.id);
  if (!hash) hashes.set(m.id, (hash = createHash('sha512')));
  if (m.chunk) {
    hash.update(new Uint8Array(m.chunk));
    parentPort.postMessage({ id: m.id, done: m.chunk.byteLength });
  } else {
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: hash.digest('hex') });
  }
});
`;

interface Reply {
  id: number;
  done?: number;
  hex?: string;
}

export interface Sha512Job {
  /** Takes the chunk over: its memory may be moved to the worker. */
  update(chunk: Uint8Array): void;
  /** Resolves once the worker's queue is short enough to read on; undefined when it already is. */
  drain(): Promise<void> | undefined;
  digest(): Promise<string>;
}

export class Sha512Worker {
  readonly #maxInFlight: number;
  #worker: Worker | undefined;
  #nextId = 0;
  #inFlight = 0;
  #unanswered = 0;
  #waiters: (() => void)[] = [];
  readonly #results = new Map<number, { resolve: (hex: string) => void; reject: (err: unknown) => void }>();

  constructor(maxInFlight = 64 << 20) {
    this.#maxInFlight = maxInFlight;
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if (--this.#unanswered === 0) worker.unref();
      if (reply.done !== undefined) {
        this.#inFlight -= reply.done;
        if (this.#inFlight < this.#maxInFlight) for (const wake of this.#waiters.splice(0)) wake();
        return;
      }
      const result = this.#results.get(reply.id);
      this.#results.delete(reply.id);
      result?.resolve(reply.hex as string);
    });
    worker.on('error', (err) => {
      for (const r of this.#results.values()) r.reject(err);
      this.#results.clear();
      for (const wake of this.#waiters.splice(0)) wake();
      this.#worker = undefined;
      this.#inFlight = 0;
      this.#unanswered = 0;
    });
    this.#worker = worker;
    return worker;
  }

  #send(worker: Worker, message: { id: number; chunk?: ArrayBuffer }): void {
    if (this.#unanswered++ === 0) worker.ref();
    worker.postMessage(message, message.chunk ? [message.chunk] : []);
  }

  job(): Sha512Job {
    const worker = this.#start();
    const id = this.#nextId++;
    return {
      update: (chunk) => {
        const owned =
          chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
        const data = owned ? chunk : new Uint8Array(chunk);
        this.#inFlight += data.byteLength;
        this.#send(worker, { id, chunk: data.buffer as ArrayBuffer });
      },
      drain: () => (this.#inFlight < this.#maxInFlight ? undefined : new Promise<void>((resolve) => this.#waiters.push(resolve))),
      digest: () =>
        new Promise<string>((resolve, reject) => {
          this.#results.set(id, { resolve, reject });
          this.#send(worker, { id });
        }),
    };
  }
}

/** The process's one SHA-512 worker. */
export const sha512Worker = new Sha512Worker();
