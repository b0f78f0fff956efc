import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { indexedType, parseIndex, updateIndex } from './markers-index.ts';

let dir: string;
let storage: FileStorage;
const put = async (key: string, value: string) => {
  const data = Buffer.from(value);
  await storage.put(key, { data }, { sha256: sha256Hex(data), size: data.length });
};
const update = (touched: [string, string | undefined][], now = '2026-11-25T12:00:00Z') =>
  updateIndex({ storage, root: 'release', touched: new Map(touched), now: new Date(now), cacheControl: 'no-cache' });

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'markers-index-'));
  storage = new FileStorage(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('indexedType', () => {
  it.each([
    ['stable.txt', 'stable'],
    ['stable-1.31.txt', 'stable'],
    ['latest-1.txt', 'latest'],
    ['fast/latest-fast.txt', 'latest'],
    ['k8s-master.txt', 'extra'],
    // Named like a standard marker, but not one: an extra.
    ['stable-candidate.txt', 'extra'],
    ['fast/latest-candidate.txt', 'extra'],
    ['latest-1.32.0.txt', 'extra'],
  ])('%s → %s', (name, type) => {
    expect(indexedType(name)).toBe(type);
  });
});

describe('updateIndex', () => {
  it('records written markers with a time, keeps older entries, and leaves out markers that are gone', async () => {
    await put('release/stable.txt', 'v1.31.2');
    await put('release/k8s-stable.txt', '1.30.0');
    await update([
      ['release/stable.txt', 'v1.31.2'],
      ['release/k8s-stable.txt', undefined],
      ['release/stable-1.txt', undefined],
    ]);
    expect(parseIndex((await storage.read('release/markers.json'))?.data.toString())).toEqual({
      'stable.txt': { value: 'v1.31.2', type: 'stable', updatedAt: '2026-11-25T12:00:00Z' },
      'k8s-stable.txt': { value: 'v1.30.0', type: 'extra' },
    });

    await put('release/latest.txt', 'v1.32.0-rc.0');
    const second = await update([['release/latest.txt', 'v1.32.0-rc.0']], '2026-11-26T08:00:00Z');
    expect(second.written).toBe(true);
    expect(second.index.markers).toEqual({
      'k8s-stable.txt': { value: 'v1.30.0', type: 'extra' },
      'latest.txt': { value: 'v1.32.0-rc.0', type: 'latest', updatedAt: '2026-11-26T08:00:00Z' },
      'stable.txt': { value: 'v1.31.2', type: 'stable', updatedAt: '2026-11-25T12:00:00Z' },
    });
  });

  it('is not rewritten when nothing changed', async () => {
    await put('release/stable.txt', 'v1.31.2');
    expect((await update([['release/stable.txt', 'v1.31.2']])).written).toBe(true);
    expect((await update([['release/stable.txt', undefined]], '2027-01-01T00:00:00Z')).written).toBe(false);
  });

  it('drops entries that name no marker below the root, never reading them', async () => {
    await put('release/stable.txt', 'v1.31.2');
    await put('outside.txt', 'v9.9.9');
    const hostile = { '../../../tmp/x': {}, '../outside.txt': {}, '/etc/hostname': {}, fast: {}, 'stable.txt': {} };
    await writeFile(path.join(dir, 'release/markers.json'), JSON.stringify({ schemaVersion: 1, markers: hostile }));
    const result = await update([['release/stable.txt', undefined]]);
    expect(result.dropped).toEqual(['../../../tmp/x', '../outside.txt', '/etc/hostname', 'fast']);
    expect(result.index.markers).toEqual({ 'stable.txt': { value: 'v1.31.2', type: 'stable' } });
    expect(Object.keys(parseIndex((await storage.read('release/markers.json'))?.data.toString()))).toEqual(['stable.txt']);
  });

  it('rebuilds an index that is not JSON', async () => {
    await put('release/stable.txt', 'v1.31.2');
    await writeFile(path.join(dir, 'release/markers.json'), 'not json');
    const { index } = await update([['release/stable.txt', undefined]]);
    expect(index).toEqual({ schemaVersion: 1, root: 'release', markers: { 'stable.txt': { value: 'v1.31.2', type: 'stable' } } });
  });
});
