/**
 * Bounded concurrency: at most `limit` tasks in flight, results in input order. After a task fails no new one
 * starts, and the first failure is thrown once the tasks in flight have settled (nothing is left running behind it).
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

/**
 * Like mapPool, but an item is taken only once `ready(item)` has resolved, and then the first of the items ready, in
 * input order: an item still waiting holds no slot while others could go. A `ready` that rejects fails like a task.
 */
export async function mapPoolWhenReady<T, R>(
  items: readonly T[],
  limit: number,
  ready: (item: T) => Promise<unknown>,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  /** Indexes of the items ready and not taken, ascending. */
  const available: number[] = [];
  let waiting = items.length;
  let failure: { error: unknown } | undefined;
  let wakers: (() => void)[] = [];
  const wake = () => {
    const woken = wakers;
    wakers = [];
    for (const w of woken) w();
  };
  items.forEach((item, index) => {
    ready(item)
      .then(
        () => {
          let at = available.length;
          while (at > 0 && (available[at - 1] as number) > index) at--;
          available.splice(at, 0, index);
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => {
        waiting--;
        wake();
      });
  });
  const worker = async (): Promise<void> => {
    while (!failure) {
      const index = available.shift();
      if (index === undefined) {
        if (waiting === 0) return;
        await new Promise<void>((resolve) => wakers.push(resolve));
        continue;
      }
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
        wake();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

/**
 * Like mapPool, but every item runs even when some fail; failures are collected
 * so a report can list every failing item instead of the first one.
 */
export async function settlePool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<Array<{ item: T; ok: true; value: R } | { item: T; ok: false; error: unknown }>> {
  return mapPool(items, limit, async (item, index) => {
    try {
      return { item, ok: true as const, value: await fn(item, index) };
    } catch (error) {
      return { item, ok: false as const, error };
    }
  });
}
