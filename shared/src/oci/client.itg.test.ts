import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushLayout, sharedLayerImages, type TestImage } from '../testing/oci-images.ts';
import { type Registry, startRegistries, startRegistry } from '../testing/registry.ts';
import { parseDockerConfig } from './auth.ts';
import { OciClient } from './client.ts';
import { parseManifest } from './media-types.ts';
import type { BlobStream, ImageStore } from './store.ts';

async function drain(stream: BlobStream): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += chunk.length;
  return n;
}

describe('OciClient against docker-registry and layouts', () => {
  let registries: Registry[];
  let dir: string;
  let images: { multi: TestImage; single: TestImage };
  let client: OciClient;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'oci-client-'));
    registries = await startRegistries(2);
    images = await sharedLayerImages(path.join(dir, 'src'));
    await pushLayout(path.join(dir, 'src'), 'multi', `${registries[0]?.host}/app:multi`);
    client = new OciClient({
      plainHttp: registries.map((r) => r.host),
      baseDir: dir,
      onRequest: (_r, method, p) => requests.push(`${method} ${p}`),
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(registries.map((r) => r.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  async function copyImage(from: ImageStore, to: ImageStore, digest: string): Promise<void> {
    const top = await from.getManifest(digest);
    if (!top) throw new Error('missing');
    const parsed = parseManifest(top);
    for (const child of parsed.manifests) await copyImage(from, to, child.digest);
    for (const blob of parsed.blobs) {
      if ((await to.headBlob(blob.digest)) !== undefined) continue;
      if (await to.mountBlob(blob.digest, from)) continue;
      await to.putBlob(blob.digest, blob.size, () => from.getBlob(blob.digest));
    }
    await to.putManifest(digest, top);
  }

  it('reads a pushed index by tag, byte for byte, and its blobs as verified streams', async () => {
    const store = client.store(`${registries[0]?.host}/app`);
    const manifest = await store.getManifest('multi');
    expect(manifest?.digest).toBe(images.multi.digest);
    expect((await store.headManifest(images.multi.digest))?.digest).toBe(images.multi.digest);
    const platform = await store.getManifest(images.multi.platforms[0]?.digest as string);
    const layer = parseManifest(platform as never).blobs[1];
    expect(await drain(await store.getBlob(layer?.digest as string))).toBe(layer?.size);
    expect(await store.headManifest('absent')).toBeUndefined();
    expect(await store.listTags()).toEqual(['multi']);
    expect(await store.listReferrers(images.multi.digest)).toBeUndefined();
  });

  it('mounts within a registry, uploads across registries, and writes layouts', async () => {
    const source = client.store(`${registries[0]?.host}/app`);
    const sameRegistry = client.store(`${registries[0]?.host}/mirror/app`);
    requests.length = 0;
    await copyImage(source, sameRegistry, images.multi.digest);
    expect(requests.filter((r) => r.includes('mount='))).not.toHaveLength(0);
    expect(requests.filter((r) => r.startsWith('PUT /v2/mirror/app/blobs'))).toHaveLength(0);

    const other = client.store(`${registries[1]?.host}/app`);
    await copyImage(source, other, images.multi.digest);
    await other.putManifest('v1', (await source.getManifest(images.multi.digest)) as never);
    expect((await other.headManifest('v1'))?.digest).toBe(images.multi.digest);

    const layout = client.store('oci:out');
    await copyImage(other, layout, images.multi.digest);
    await layout.putManifest('v1', (await other.getManifest('v1')) as never);
    expect(await layout.listTags()).toEqual(['v1']);
    expect((await layout.getManifest('v1'))?.bytes).toEqual((await source.getManifest('multi'))?.bytes);
  });

  it('answers a Basic challenge with the credentials of a docker config.json; without them, a user error', async () => {
    const secured = await startRegistry({ basicAuth: { username: 'promoter', password: 's3cret' } });
    try {
      const auth = Buffer.from('promoter:s3cret').toString('base64');
      const credentials = parseDockerConfig(JSON.stringify({ auths: { [secured.host]: { auth } } }), 'test');
      const authed = new OciClient({ plainHttp: [secured.host], credentials }).store(`${secured.host}/app`);
      const source = client.store(`${registries[0]?.host}/app`);
      await copyImage(source, authed, images.multi.digest);
      expect((await authed.headManifest(images.multi.digest))?.digest).toBe(images.multi.digest);
      const anonymous = new OciClient({ plainHttp: [secured.host] }).store(`${secured.host}/app`);
      await expect(anonymous.headManifest(images.multi.digest)).rejects.toMatchObject({
        code: 'REGISTRY_ERROR',
        userError: true,
      });
    } finally {
      await secured.stop();
    }
  });

  it('answers a Bearer challenge with tokens from its realm, per scope (a mount asks for both repositories)', async () => {
    const secured = await startRegistry({ tokenAuth: true });
    try {
      const tokenClient = new OciClient({ plainHttp: [secured.host] });
      const first = tokenClient.store(`${secured.host}/app`);
      await copyImage(client.store(`${registries[0]?.host}/app`), first, images.multi.digest);
      const second = tokenClient.store(`${secured.host}/mirror/app`);
      await copyImage(first, second, images.multi.digest);
      expect((await second.headManifest(images.multi.digest))?.digest).toBe(images.multi.digest);
      expect(secured.tokenScopes).toContainEqual(['repository:app:pull']);
      expect(secured.tokenScopes).toContainEqual(['repository:mirror/app:pull,push', 'repository:app:pull']);
    } finally {
      await secured.stop();
    }
  });
});
