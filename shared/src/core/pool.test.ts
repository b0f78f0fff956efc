import { describe, expect, it } from 'vitest';
import { mapPool, mapPoolWhenReady, settlePool } from './pool.ts';
import { sleep } from './retry.ts';

/** A promise the test settles: what runs when is decided by the test, not by timers. */
function gate() {
  let open: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

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

  it('takes the first item that is ready, so one still waiting holds no slot', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const started: string[] = [];
    const results = await mapPoolWhenReady(
      ['a', 'waits', 'b', 'c'],
      1,
      (item) => (item === 'waits' ? gate : Promise.resolve()),
      async (item, index) => {
        started.push(item);
        if (item === 'c') open();
        await sleep(1);
        return `${item}${index}`;
      },
    );
    expect(started).toEqual(['a', 'b', 'c', 'waits']);
    expect(results).toEqual(['a0', 'waits1', 'b2', 'c3']);
  });

  it('answers nothing for nothing, and throws a failing task only once the tasks in flight have settled', async () => {
    expect(
      await mapPoolWhenReady(
        [],
        4,
        async () => {},
        async () => 1,
      ),
    ).toEqual([]);
    const settled: number[] = [];
    await expect(
      mapPoolWhenReady(
        [1, 2, 3, 4],
        2,
        async () => {},
        async (n) => {
          if (n === 1) throw new Error('task 1');
          await sleep(20);
          settled.push(n);
        },
      ),
    ).rejects.toThrow('task 1');
    // Task 2 was in flight when task 1 failed: it finished before the throw, and nothing after it started.
    expect(settled).toEqual([2]);
  });

  it('fails with a readiness that fails, starting nothing more', async () => {
    const started: number[] = [];
    const first = gate();
    const second = gate();
    const third = gate();
    const run = mapPoolWhenReady(
      [1, 2, 3],
      2,
      (n) => (n === 1 ? Promise.resolve() : n === 2 ? second.promise : third.promise),
      async (n) => {
        started.push(n);
        await first.promise;
      },
    );
    const failed = expect(run).rejects.toThrow('not ready');
    // Item 1 is ready at once: taken before the test lets item 2's readiness fail.
    await new Promise(setImmediate);
    expect(started).toEqual([1]);
    second.fail(new Error('not ready'));
    third.open();
    first.open();
    await failed;
    expect(started).toEqual([1]);
  });
});
