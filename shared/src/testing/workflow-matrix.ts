/** `strategy.matrix` expanded into the jobs GitHub runs, with its include/exclude rules. */
import type { Value } from './workflow-expressions.ts';

export type Combination = Record<string, Value>;

const matches = (combo: Combination, filter: Combination, keys: readonly string[]) =>
  keys.every((k) => JSON.stringify(combo[k]) === JSON.stringify(filter[k]));

/**
 * The cross product of the matrix's own keys, less `exclude` (an entry removes every combination it matches on its
 * keys), then `include`: an entry extends each combination whose original values it leaves untouched, or, when it
 * extends none, is a combination of its own. No matrix is one job with an empty matrix.
 */
export function expandMatrix(matrix: Value): Combination[] {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix)) return [{}];
  const { include = [], exclude = [], ...axes } = matrix as Record<string, Value>;
  let combos: Combination[] = Object.keys(axes).length ? [{}] : [];
  for (const [key, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new Error(`matrix.${key} is not a list`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  for (const entry of exclude as Combination[]) combos = combos.filter((c) => !matches(c, entry, Object.keys(entry)));
  const originals = combos.map((c) => ({ ...c }));
  const added: Combination[] = [];
  for (const entry of include as Combination[]) {
    let extended = false;
    combos.forEach((combo, i) => {
      const original = originals[i] as Combination;
      const shared = Object.keys(entry).filter((k) => k in original);
      if (!matches(original, entry, shared)) return;
      Object.assign(combo, entry);
      extended = true;
    });
    if (!extended) added.push({ ...entry });
  }
  const all = [...combos, ...added];
  return all.length ? all : [{}];
}
