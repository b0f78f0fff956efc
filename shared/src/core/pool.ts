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
