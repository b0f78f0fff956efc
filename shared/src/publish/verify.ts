/**
 * Read-back after upload: every object written is looked at again in the store.
 * The SHA-256 the store reports decides when it reports one; otherwise the object
 * is streamed and hashed. Any difference (missing, other size, other digest)
 * fails the destination before its index is written.
 */
import { hashStream } from '../core/hash.ts';
import { mapPool } from '../core/pool.ts';
import type { Storage } from '../storage/storage.ts';
import { type ObjectMismatch, VerificationFailedError } from './errors.ts';

export interface Expected {
  key: string;
  size: number;
  sha256: string;
}

async function check(storage: Storage, expected: Expected): Promise<ObjectMismatch | undefined> {
  const info = await storage.stat(expected.key);
  if (!info) return { key: expected.key, expected: expected.sha256, actual: 'missing' };
  if (info.size !== expected.size) return { key: expected.key, expected: `${expected.size} bytes`, actual: `${info.size} bytes` };
  const actual = info.sha256 ?? (await hashStream(await storage.stream(expected.key))).sha256;
  return actual === expected.sha256 ? undefined : { key: expected.key, expected: expected.sha256, actual };
}

/** Verifies every expected object; throws VerificationFailedError listing all that differ. */
export async function verifyObjects(storage: Storage, objects: readonly Expected[], concurrency: number): Promise<void> {
  const results = await mapPool(objects, concurrency, (o) => check(storage, o));
  const mismatches = results.filter((m): m is ObjectMismatch => m !== undefined);
  if (mismatches.length > 0) throw new VerificationFailedError(storage.location, mismatches);
}
