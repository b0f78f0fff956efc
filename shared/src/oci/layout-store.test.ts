/** An OCI layout read as a source: its files are checked against the digests that name them. */
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OciLayout } from '../testing/oci-layout.ts';
import { LayoutStore } from './layout-store.ts';

describe('LayoutStore as a source', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'layout-store-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a manifest whose blob holds other bytes than its digest names, by tag or by digest', async () => {
    const layout = new OciLayout(dir);
    const a = await layout.image('a');
    const b = await layout.image('b');
    await layout.write('v1', [a]);
    const blob = (d: string) => path.join(dir, 'blobs', 'sha256', d.slice(7));
    await copyFile(blob(b.digest), blob(a.digest));
    const store = new LayoutStore(dir);
    const refused = new RegExp(`the blob of ${a.digest} holds bytes of ${b.digest}`);
    await expect(store.getManifest('v1')).rejects.toThrow(refused);
    await expect(store.getManifest(a.digest)).rejects.toThrow(refused);
    expect((await store.getManifest(b.digest))?.digest).toBe(b.digest);
  });

  it('reads and writes only inside its folder: a link leading out of it is refused', async () => {
    const outside = path.join(dir, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.json'), '{"manifests":[]}');
    const layout = path.join(dir, 'layout');
    await mkdir(layout);
    await symlink(outside, path.join(layout, 'blobs'));
    await symlink(path.join(outside, 'secret.json'), path.join(layout, 'index.json'));
    const store = new LayoutStore(layout);
    const bytes = Buffer.from('x');
    const digest = 'sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881';
    await expect(
      store.putBlob(digest, 1, async () =>
        (async function* () {
          yield bytes;
        })(),
      ),
    ).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
    await expect(store.getManifest('v1')).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
    await expect(store.headBlob(digest)).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
    expect(await readdir(outside)).toEqual(['secret.json']);
  });
});
