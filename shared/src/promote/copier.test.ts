/**
 * The copier makes a blob present once per repository: the two platform manifests of an index share layers, and
 * each must not mount them again while the other's manifest is being pushed (docker-registry rewrites the link
 * file in place and refuses a manifest PUT that reads it meanwhile). An in-memory registry with mounts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient } from '../oci/client.ts';
import { type MemoryRegistry, startMemoryRegistry } from '../testing/memory-registry.ts';
import { sharedLayerImages, type TestImage } from '../testing/oci-images.ts';
import { Copier } from './copier.ts';

let dir: string;
let images: { multi: TestImage; single: TestImage };
let registry: MemoryRegistry;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'promote-copier-'));
  images = await sharedLayerImages(path.join(dir, 'src'), 1024);
  registry = await startMemoryRegistry({ referrers: false });
});
afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Copier', () => {
  it('mounts a layer shared by two platform manifests once into a repository, and knows it is there', async () => {
    const mounts: string[] = [];
    const client = new OciClient({
      plainHttp: [registry.host],
      rateLimit: Number.POSITIVE_INFINITY,
      baseDir: dir,
      onRequest: (_registry, method, p) => {
        if (method === 'POST' && p.includes('mount=')) mounts.push(new URL(p, 'http://x').searchParams.get('mount') as string);
      },
    });
    const copier = new Copier(8);
    const source = client.store('oci:src');
    await copier.copy(source, client.store(`${registry.host}/a/single`), images.single.digest);
    const multi = client.store(`${registry.host}/b/multi`);
    await copier.copy(source, multi, images.multi.digest);
    // The two shared layers were placed in a/single first: each is mounted into b/multi, once.
    expect(mounts).toHaveLength(2);
    expect(new Set(mounts).size).toBe(2);
    for (const digest of mounts) expect(await copier.placed(multi, digest)).toBe(true);
    expect(await multi.headManifest(images.multi.digest)).toBeDefined();
  });
});
