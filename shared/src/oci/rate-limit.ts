/**
 * A token bucket: `rate` requests per second on average, up to `burst` at once. One per registry, shared by every
 * operation on it (copying, signing, checking), so a run stays under a registry's quota instead of meeting its 429s.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();
  readonly #now: () => number;

  constructor(rate: number, burst = Math.max(1, Math.ceil(rate)), now: () => number = () => performance.now()) {
    // A rate of 0 would wait forever (a timer of Infinity ms fires at once, with a warning, on every request).
    if (!(rate > 0)) throw new RangeError(`a token bucket's rate must be above 0 (Infinity for none), not ${rate}`);
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#now = now;
    this.#last = now();
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }

  /** Resolves once a request may go; callers are served in order. */
  take(): Promise<void> {
    if (!Number.isFinite(this.#rate)) return Promise.resolve();
    const turn = this.#queue.then(async () => {
      this.#refill();
      if (this.#tokens < 1) {
        await new Promise((resolve) => setTimeout(resolve, ((1 - this.#tokens) / this.#rate) * 1000));
        this.#refill();
      }
      this.#tokens -= 1;
    });
    this.#queue = turn;
    return turn;
  }
}
