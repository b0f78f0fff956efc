import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient } from '../oci/client.ts';
import { parseReference } from '../oci/reference.ts';
import { indexOf, platformImage, randomLayer, sharedLayerImages, type TestImage, writeIndex } from '../testing/oci-images.ts';
import { OciLayout } from '../testing/oci-layout.ts';
import { inspectImage } from './images.ts';
import { walk } from './model.ts';

describe('inspectImage from an oci: layout folder', () => {
  let dir: string;
  let images: { multi: TestImage; single: TestImage };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sbom-layout-'));
    images = await sharedLayerImages(path.join(dir, 'layout'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('an index: both platform images and their layers', async () => {
    const client = new OciClient({ baseDir: dir });
    const text = `oci:layout:multi@${images.multi.digest}`;
    const node = await inspectImage(parseReference(text), text, (ref) => client.store(ref));
    expect(node).toMatchObject({ kind: 'image-index', version: 'multi', checksums: { sha256: images.multi.digest.slice(7) } });
    expect(node.purl).toBe(`pkg:oci/layout@${images.multi.digest.replace(':', '%3A')}?tag=multi`);
    expect(node.contains.map((c) => c.version)).toEqual(images.multi.platforms.map((p) => p.digest));
    expect(node.contains.map((c) => c.properties.find((p) => p.name === 'oci:platform')?.value)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    expect([...walk([node])].filter((n) => n.kind === 'layer')).toHaveLength(6);
  });

  it("BuildKit's attestation manifests are no platform images", async () => {
    const layout = new OciLayout(path.join(dir, 'attested'));
    const amd64 = await platformImage(layout, [await randomLayer(layout, 64)], { os: 'linux', architecture: 'amd64' });
    const attestation = await platformImage(layout, [await randomLayer(layout, 64)], { os: 'unknown', architecture: 'unknown' });
    const annotations = { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd64.digest };
    const attested = { ...attestation, annotations };
    const index = await indexOf(layout, [amd64, attested]);
    await writeIndex(layout, { v1: index });
    const client = new OciClient({ baseDir: dir });
    const text = `oci:attested@${index.digest}`;
    const node = await inspectImage(parseReference(text), text, (ref) => client.store(ref));
    expect(node.contains.map((c) => c.version)).toEqual([amd64.digest]);
    expect([...walk([node])].filter((n) => n.kind === 'layer')).toHaveLength(1);
  });

  it('a manifest that is not there is an input error', async () => {
    const client = new OciClient({ baseDir: dir });
    const text = `oci:layout@sha256:${'0'.repeat(64)}`;
    await expect(inspectImage(parseReference(text), text, (ref) => client.store(ref))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
  });
});
