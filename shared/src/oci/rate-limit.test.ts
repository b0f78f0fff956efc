import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket } from './rate-limit.ts';

/** Settles what is pending and says which of the promises have resolved. */
async function settled(promises: Promise<void>[]): Promise<boolean[]> {
  const done = promises.map(() => false);
  for (const [i, p] of promises.entries())
    p.then(() => {
      done[i] = true;
    });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('TokenBucket (the clock and timers injected)', () => {
  let now = 0;
  const clock = () => now;
  const advance = async (ms: number) => {
    now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };
  beforeEach(() => {
    now = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('refuses a rate that is not above 0, and lets everything through at Infinity', async () => {
    for (const rate of [0, -1, Number.NaN]) expect(() => new TokenBucket(rate)).toThrow(RangeError);
    const bucket = new TokenBucket(Number.POSITIVE_INFINITY, 1, clock);
    expect(await settled(Array.from({ length: 100 }, () => bucket.take()))).toEqual(Array(100).fill(true));
  });

  it('lets a burst through at once, then one request per 1/rate seconds, in order', async () => {
    const bucket = new TokenBucket(10, 3, clock);
    const takes = Array.from({ length: 5 }, () => bucket.take());
    expect(await settled(takes)).toEqual([true, true, true, false, false]);
    await advance(99);
    expect(await settled(takes)).toEqual([true, true, true, false, false]);
    await advance(1);
    expect(await settled(takes)).toEqual([true, true, true, true, false]);
    await advance(100);
    expect(await settled(takes)).toEqual([true, true, true, true, true]);
  });

  it('refills while idle, never beyond the burst', async () => {
    const bucket = new TokenBucket(10, 2, clock);
    await Promise.all([bucket.take(), bucket.take()]);
    await advance(60_000);
    const takes = Array.from({ length: 3 }, () => bucket.take());
    expect(await settled(takes)).toEqual([true, true, false]);
    await advance(100);
    expect(await settled(takes)).toEqual([true, true, true]);
  });

  it('the burst defaults to the rate; an infinite rate never waits', async () => {
    const bucket = new TokenBucket(4, undefined, clock);
    expect(await settled(Array.from({ length: 5 }, () => bucket.take()))).toEqual([true, true, true, true, false]);
    const unlimited = new TokenBucket(Number.POSITIVE_INFINITY, undefined, clock);
    expect((await settled(Array.from({ length: 1000 }, () => unlimited.take()))).every(Boolean)).toBe(true);
  });
});
