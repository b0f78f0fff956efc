/**
 * What publish-binaries runs with besides its inputs, made in the order the action's entry shows: the hasher, whose
 * threads boot while the stores' code loads, then one store per destination.
 */
import { InputError } from '../core/errors.ts';
import { Hasher } from '../core/hasher.ts';
import { matchesAny } from '../core/paths.ts';
import { createStorage, type ParsedDestination, type StorageOptions } from '../storage/destination.ts';
import { keyFor, type Layout } from './layout.ts';
import type { Destination } from './plan.ts';

/**
 * Hashing threads a little below the thread that moves the bytes (nice +5, CFS weights 1024 : 335): the CPU goes
 * first to the uploads, TLS and a store on the same machine, and the hashing takes most of what is left
 * (docs/publish-binaries.md has the figures).
 */
export const PUBLISH_NICE_STEP = 5;

export function publishHasher(): Hasher {
  return new Hasher({ niceStep: PUBLISH_NICE_STEP });
}

/**
 * A store for each destination; the same place listed twice is refused. `assets` (globs) limits what a
 * github-release destination publishes, for GitHub's limit on assets per release; empty for everything.
 */
export async function openDestinations(
  parsed: readonly ParsedDestination[],
  storage: StorageOptions,
  layout: Layout,
  version: string,
  { input = 'destinations', assets = [] }: { input?: string; assets?: readonly string[] } = {},
): Promise<Destination[]> {
  const seen = new Set<string>();
  const destinations: Destination[] = [];
  for (const destination of parsed) {
    const store = await createStorage(destination, storage);
    // GitHub's owner and repository names are case-insensitive.
    const place = destination.scheme === 'github-release' ? store.location.toLowerCase() : store.location;
    if (seen.has(place)) throw new InputError(input, `${destination.url} is listed twice`);
    seen.add(place);
    // A GitHub release is already the version's own place: assets take the bare path.
    const keyOf = destination.scheme === 'github-release' ? (p: string) => p : (p: string) => keyFor(layout, version, p);
    const include =
      destination.scheme === 'github-release' && assets.length > 0 ? (p: string) => matchesAny(p, assets) : undefined;
    const flat = destination.scheme === 'github-release';
    destinations.push({ name: destination.url, storage: store, keyFor: keyOf, ...(include ? { include } : {}), flat });
  }
  return destinations;
}
