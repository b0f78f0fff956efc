import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { parseReference } from '../oci/reference.ts';
import { sharedLayerImages, type TestImage } from '../testing/oci-images.ts';
import { generateSbom, withCollaborators } from './index.ts';

describe('withCollaborators: oci: layout folders', () => {
  let dir: string;
  let ws: string;
  const run = (folder: string, image: TestImage) =>
    generateSbom(
      withCollaborators({
        options: {
          workspace: ws,
          files: [],
          exclude: [],
          images: [parseReference(`oci:${folder}@${image.digest}`)],
          format: 'cyclonedx',
          outputDir: `sbom-${folder}`,
          name: 'rel',
          version: 'v1',
          namespace: 'https://sbom.k8s.io',
          created: new Date('2026-01-02T03:04:05Z'),
        },
        credentials: new Map(),
        plainHttp: [],
        cacheDir: undefined,
      }),
      new RecordingLogger(),
    );
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'sbom-layouts-')));
    ws = path.join(dir, 'ws');
    await mkdir(ws);
    await symlink(path.join(dir, 'outside'), path.join(ws, 'linked'));
    await symlink(path.join(ws, 'layout'), path.join(ws, 'alias'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a layout folder that a symlink leads out of the workspace is refused', async () => {
    const { single } = await sharedLayerImages(path.join(dir, 'outside'), 64);
    await expect(run('linked', single)).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
  });

  it('a symlink to a layout inside the workspace is read', async () => {
    const { single } = await sharedLayerImages(path.join(ws, 'layout'), 64);
    expect((await run('alias', single)).images).toMatchObject([{ digest: single.digest, platforms: 1 }]);
  });
});
