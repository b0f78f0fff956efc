/**
 * One listing of a destination instead of a request per object: what the store
 * holds below the keys' common folder, keyed by URL (the one name every store
 * gives an object, whatever its key mapping — a GitHub asset, an S3 key).
 */
import type { ObjectInfo, Storage } from '../storage/storage.ts';

/** The longest folder prefix all keys share ('' when none). */
export function commonFolder(keys: readonly string[]): string {
  const folders = keys.map((k) => k.split('/').slice(0, -1));
  const first = folders[0] ?? [];
  let length = first.length;
  for (const f of folders) {
    while (length > 0 && f.slice(0, length).join('/') !== first.slice(0, length).join('/')) length--;
  }
  return first.slice(0, length).join('/');
}

/**
 * What the store holds below the keys' common folder, by URL (one listing instead of a request per
 * object). Undefined when the store cannot list (e.g. an Azure SAS without list permission): then every object is stat'ed.
 */
export async function listByUrl(storage: Storage, keys: readonly string[]): Promise<Map<string, ObjectInfo> | undefined> {
  const found = new Map<string, ObjectInfo>();
  try {
    for await (const info of storage.list(commonFolder(keys))) found.set(storage.urlFor(info.key), info);
  } catch {
    return undefined;
  }
  return found;
}
