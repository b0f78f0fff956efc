import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { type GenerateSbomOptions, generateSbom } from './generate.ts';

describe('generateSbom, where it writes', () => {
  let dir: string;
  let ws: string;
  let options: GenerateSbomOptions;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'sbom-where-')));
    ws = path.join(dir, 'ws');
    await mkdir(path.join(dir, 'outside'));
    await mkdir(path.join(ws, 'release'), { recursive: true });
    await writeFile(path.join(ws, 'release/a.txt'), 'a\n');
    options = {
      workspace: ws,
      files: ['release/**'],
      exclude: [],
      images: [],
      format: 'both',
      outputDir: 'sbom',
      name: 'rel',
      version: 'v1',
      namespace: 'https://sbom.k8s.io',
      created: new Date('2026-01-02T03:04:05Z'),
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('an output-dir that leads out of the workspace through a symlink is refused, nothing written there', async () => {
    await symlink(path.join(dir, 'outside'), path.join(ws, 'out'));
    for (const outputDir of ['out', 'out/sbom'])
      await expect(generateSbom({ ...options, outputDir }, new RecordingLogger())).rejects.toMatchObject({ code: 'PATH_UNSAFE' });
    expect(await readdir(path.join(dir, 'outside'))).toEqual([]);
  });
});
