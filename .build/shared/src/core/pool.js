/** Bounded concurrency: at most `limit` tasks in flight, results in input order. */
export async function mapPool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
/**
 * Like mapPool, but every item runs even when some fail; failures are collected
 * so a report can list every failing item instead of the first one.
 */
export async function settlePool(items, limit, fn) {
  return mapPool(items, limit, async (item, index) => {
    try {
      return { item, ok: true, value: await fn(item, index) };
    } catch (error) {
      return { item, ok: false, error };
    }
  });
}
