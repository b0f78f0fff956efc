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
import type { ImageStore } from '../oci/store.ts';
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

  it('sends a blob waiting for its turn to every registry that asked meanwhile, from one read', async () => {
    const reads: string[] = [];
    const received = new Map<string, string[]>();
    const store = (registryKey: string): ImageStore => ({
      name: `${registryKey}/repo`,
      registryKey,
      repository: 'repo',
      getManifest: async () => undefined,
      headManifest: async () => undefined,
      putManifest: async () => '',
      headBlob: async () => undefined,
      getBlob: async (digest) => {
        reads.push(digest);
        return (async function* () {
          yield Buffer.from(digest);
        })();
      },
      putBlob: async (digest, _size, open) => {
        const chunks: Uint8Array[] = [];
        for await (const chunk of await open()) chunks.push(chunk);
        received.set(
          `${registryKey}@${digest}`,
          chunks.map((c) => Buffer.from(c).toString()),
        );
      },
      mountBlob: async () => false,
      listTags: async () => [],
      listReferrers: async () => undefined,
    });
    const [source, one, two] = [store('staging'), store('one'), store('two')];
    const copier = new Copier(1);
    // `a` takes the only turn; `b`, asked for by `one`, waits, and `two` asks for it meanwhile.
    const placed = [copier.blob(source, one, 'a', 1), copier.blob(source, one, 'b', 1), copier.blob(source, two, 'b', 1)];
    await Promise.all(placed);
    expect(reads.filter((d) => d === 'b')).toEqual(['b']);
    expect(received.get('one@b')).toEqual(['b']);
    expect(received.get('two@b')).toEqual(['b']);
  });
});
