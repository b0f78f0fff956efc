import { describe, expect, it } from 'vitest';
import { mapPool, settlePool } from './pool.ts';
import { sleep } from './retry.ts';

describe('bounded concurrency', () => {
  it('never runs more than the limit and keeps input order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapPool([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(n * 3);
      running--;
      return n * 10;
    });
    expect(peak).toBe(2);
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
  });

  it('stops starting work after a failure', async () => {
    const started: number[] = [];
    await expect(
      mapPool([1, 2, 3, 4, 5], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });

  it('throws the first failure only once the tasks in flight have settled', async () => {
    const finished: string[] = [];
    await expect(
      mapPool(['slow', 'fails', 'later'], 2, async (s) => {
        if (s === 'fails') throw new Error('boom');
        await sleep(20);
        finished.push(s);
      }),
    ).rejects.toThrow('boom');
    expect(finished).toEqual(['slow']);
  });

  it('settlePool runs everything and reports each failure', async () => {
    const results = await settlePool(['a', 'b', 'c'], 3, async (s) => {
      if (s !== 'b') throw new Error(`bad ${s}`);
      return s.toUpperCase();
    });
    expect(results.map((r) => r.ok)).toEqual([false, true, false]);
    expect(results.filter((r) => !r.ok).map((r) => r.item)).toEqual(['a', 'c']);
  });
});
