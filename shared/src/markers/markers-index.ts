/**
 * `<root>/markers.json`: every marker under a root with its current value, type and
 * when this suite last moved it. Rebuilt after marker writes, from the markers
 * themselves, and written with compare-and-swap so concurrent runs cannot lose
 * each other's entries.
 */
import path from 'node:path';
import { rfc3339 } from '../core/time.ts';
import { joinKey, type Storage } from '../storage/storage.ts';
import { compareAndSwap } from './cas.ts';
import { INDEX_NAME, standardMarkerType } from './names.ts';
import { parseVersion } from './version.ts';

export type IndexedType = 'stable' | 'latest' | 'extra';

export interface IndexEntry {
  value: string;
  type: IndexedType;
  /** When this suite last wrote the marker; absent when it was written by something else. */
  updatedAt?: string;
}

export interface MarkersIndex {
  schemaVersion: 1;
  root: string;
  /** Marker path relative to the root (`stable-1.31.txt`, `fast/latest-fast.txt`) → entry. */
  markers: Record<string, IndexEntry>;
}

/** A marker named as the version's own markers are (names.ts) by its type; any other name (`stable-candidate`) is an extra. */
export function indexedType(name: string): IndexedType {
  return standardMarkerType(path.posix.basename(name, '.txt')) ?? 'extra';
}

export function serializeIndex(index: MarkersIndex): string {
  const markers = Object.fromEntries(Object.entries(index.markers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ ...index, markers }, null, 2)}\n`;
}

/** The entries of an existing index; a missing or unreadable index counts as empty (it is rebuilt). */
export function parseIndex(content: string | undefined): Record<string, IndexEntry> {
  if (content === undefined) return {};
  try {
    const parsed = JSON.parse(content) as Partial<MarkersIndex>;
    return parsed && typeof parsed.markers === 'object' && parsed.markers !== null ? parsed.markers : {};
  } catch {
    return {};
  }
}

export interface IndexUpdate {
  storage: Storage;
  root: string;
  /** Markers this run considered (storage keys under root) → the value it wrote, if it wrote one. */
  touched: ReadonlyMap<string, string | undefined>;
  now: Date;
  cacheControl: string;
  /** Written without conditions (see CasOptions.unconditional). */
  unconditional?: boolean;
}

/** A name an index may hold: a `.txt` marker below the root (`stable.txt`, `fast/latest-fast.txt`), nothing else. */
export function isMarkerPath(name: string): boolean {
  return /^([A-Za-z0-9][A-Za-z0-9._-]*\/)*[A-Za-z0-9][A-Za-z0-9._-]*\.txt$/.test(name) && !name.includes('..');
}

export function indexKey(root: string): string {
  return joinKey(root, INDEX_NAME);
}

/**
 * Rewrites the index when its content would change. The index is read before the
 * markers, so a successful conditional write never records values older than
 * those a concurrent run recorded.
 */
export async function updateIndex(
  update: IndexUpdate,
): Promise<{ key: string; written: boolean; index: MarkersIndex; dropped: string[] }> {
  const { storage, root, touched, now } = update;
  const key = indexKey(root);
  const relative = (markerKey: string) => markerKey.slice(root.length + 1);
  let dropped: string[] = [];
  const { result, written } = await compareAndSwap(
    storage,
    key,
    async (content) => {
      const previous = parseIndex(content);
      // An entry that names no marker below the root (`../../../tmp/x`) is not read: dropped, as an unreadable
      // index is, so the rebuild never fails after the markers were written.
      dropped = Object.keys(previous).filter((name) => !isMarkerPath(name));
      const kept = Object.keys(previous).filter(isMarkerPath);
      const names = new Set([...kept, ...[...touched.keys()].map(relative)]);
      const markers: Record<string, IndexEntry> = {};
      for (const name of names) {
        const stored = await storage.read(`${root}/${name}`);
        const value = stored && parseVersion(stored.data.toString('utf8').trim())?.text;
        if (value === undefined) continue;
        const wrote = touched.get(`${root}/${name}`) === value;
        const updatedAt = wrote ? rfc3339(now) : previous[name]?.value === value ? previous[name]?.updatedAt : undefined;
        markers[name] = { value, type: indexedType(name), ...(updatedAt ? { updatedAt } : {}) };
      }
      const index: MarkersIndex = { schemaVersion: 1, root, markers };
      const text = serializeIndex(index);
      return { write: text === content ? undefined : Buffer.from(text), result: index };
    },
    { contentType: 'application/json', cacheControl: update.cacheControl, unconditional: update.unconditional },
  );
  return { key, written, index: result, dropped };
}
