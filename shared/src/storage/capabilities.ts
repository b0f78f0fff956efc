/**
 * Capabilities that cannot be read from documentation alone, settled by asking the
 * store: a scratch key is created twice with If-None-Match: * (a second success
 * means the store ignores the condition, as GCS's XML API and s3rver do), then
 * replaced with a stale If-Match, then deleted. A 501 answer (B2) means the store
 * does not implement the condition. Four requests, once per store per run.
 */
import { randomUUID } from 'node:crypto';
import { findCause } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import { type Capabilities, NotSupportedError, PreconditionFailedError, type PutOptions, type Storage } from './storage.ts';

/** Where probes write, under the store's prefix; the key is removed after the probe. */
export const PROBE_FOLDER = '.release-actions-probe';

/** Every guarantee, with version-token ETags: what Azure, GCS's JSON API and a folder give. */
export function fullGuarantees(established: Capabilities['established']): Capabilities {
  return {
    conditionalCreate: true,
    conditionalReplace: true,
    serverChecksum: true,
    etag: 'version',
    established,
    notes: [],
  };
}

/** The guarantees a compare-and-swap needs, missing from these capabilities (empty: it has them all). */
export function missingGuarantees(capabilities: Capabilities): string[] {
  const missing: string[] = [];
  if (!capabilities.conditionalCreate) missing.push('conditional create (If-None-Match: *)');
  if (!capabilities.conditionalReplace) missing.push('conditional replace (If-Match)');
  return missing;
}

export type Outcome = 'enforced' | 'ignored' | 'not-implemented';

/** How a write whose condition does not hold went: refused (412), accepted anyway, or answered 501. */
export async function attempt(write: () => Promise<unknown>): Promise<Outcome> {
  try {
    await write();
    return 'ignored';
  } catch (error) {
    if (findCause(error, (e) => e instanceof PreconditionFailedError)) return 'enforced';
    if (findCause(error, (e) => e instanceof NotSupportedError)) return 'not-implemented';
    throw error;
  }
}

function note(condition: string, outcome: Outcome): string[] {
  if (outcome === 'enforced') return [];
  return [
    outcome === 'ignored'
      ? `accepted a write whose ${condition} did not hold: the store ignores the condition`
      : `answered 501 Not Implemented to ${condition}`,
  ];
}

/** Probes conditional create and replace through the store's own put (see the module comment). */
export async function probeConditionalWrites(
  storage: Pick<Storage, 'put' | 'delete'>,
): Promise<Pick<Capabilities, 'conditionalCreate' | 'conditionalReplace' | 'notes'>> {
  const key = `${PROBE_FOLDER}/${randomUUID()}`;
  const data = Buffer.from(`capability probe ${key}\n`);
  const options: PutOptions = { sha256: sha256Hex(data), size: data.length, contentType: 'text/plain' };
  try {
    const createOnce = () => attempt(() => storage.put(key, { data }, { ...options, ifNoneMatch: '*' }));
    // The first create finds no key; the second finds the first's, and must be refused.
    let create = await createOnce();
    if (create === 'not-implemented') await storage.put(key, { data }, options);
    else create = await createOnce();
    const replace = await attempt(() => storage.put(key, { data }, { ...options, ifMatch: '"0-stale-probe-etag"' }));
    return {
      conditionalCreate: create === 'enforced',
      conditionalReplace: replace === 'enforced',
      notes: [...note('If-None-Match: *', create), ...note('If-Match', replace)],
    };
  } finally {
    await storage.delete(key).catch(() => undefined /* a scratch key left behind is harmless; the probe's answer stands */);
  }
}
