/**
 * One read of a source blob for every destination registry uploading it at the same time: each upload that is
 * about to start registers, and the read begins once every registered upload has either opened its stream or
 * found it need not send (present, mounted). Chunks go out in lockstep, so memory stays one chunk per reader
 * whatever the blob's size; a reader that stops (its upload failed) leaves the others going; its retry opens a read
 * of its own.
 */
import type { BlobStream } from '../oci/store.ts';

class Reader implements AsyncIterable<Uint8Array> {
  #offered: { chunk: Uint8Array; taken: () => void } | undefined;
  #waiting: (() => void) | undefined;
  #end: { error?: unknown } | undefined;
  #stopped = false;

  /** Resolves once the consumer has taken the chunk (or has stopped reading). */
  offer(chunk: Uint8Array): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((taken) => {
      this.#offered = { chunk, taken };
      this.#wake();
    });
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  finish(error?: unknown): void {
    this.#end = error === undefined ? {} : { error };
    this.#wake();
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for (;;) {
        while (!this.#offered && !this.#end) await new Promise<void>((resolve) => (this.#waiting = resolve));
        const offered = this.#offered;
        if (offered) {
          this.#offered = undefined;
          offered.taken();
          yield offered.chunk;
          continue;
        }
        if (this.#end && 'error' in this.#end) throw this.#end.error;
        return;
      }
    } finally {
      this.#stopped = true;
      this.#offered?.taken();
    }
  }
}

export class SharedRead {
  readonly #open: () => Promise<BlobStream>;
  #registered = 0;
  #settled = 0;
  readonly #readers: Reader[] = [];
  #started = false;

  constructor(open: () => Promise<BlobStream>) {
    this.#open = open;
  }

  /** Whether another upload may still join (the read has not begun). */
  get open(): boolean {
    return !this.#started;
  }

  /**
   * A place in the read: `stream()` the first time gives the shared stream, later (a retry) a read of its own;
   * `release()` (always, in a finally) says this upload will not ask for it, if it has not.
   */
  register(): { stream: () => Promise<BlobStream>; release: () => void } {
    this.#registered++;
    let state: 'waiting' | 'joined' | 'released' = 'waiting';
    return {
      stream: async () => {
        if (state !== 'waiting') return this.#open();
        state = 'joined';
        const reader = new Reader();
        this.#readers.push(reader);
        this.#settle();
        return reader;
      },
      release: () => {
        if (state !== 'waiting') return;
        state = 'released';
        this.#settle();
      },
    };
  }

  #settle(): void {
    this.#settled++;
    if (this.#settled < this.#registered || this.#started) return;
    this.#started = true;
    if (this.#readers.length > 0) void this.#pump();
  }

  async #pump(): Promise<void> {
    const readers = this.#readers;
    try {
      for await (const chunk of await this.#open()) {
        await Promise.all(readers.map((r) => r.offer(chunk)));
        if (readers.every((r) => r.stopped)) return;
      }
      for (const reader of readers) reader.finish();
    } catch (error) {
      for (const reader of readers) reader.finish(error ?? new Error('the source read failed'));
    }
  }
}
