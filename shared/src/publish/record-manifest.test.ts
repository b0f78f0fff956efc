import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readManifest, updateManifest } from '../manifest/manifest.ts';
import type { PublishResult } from './publish.ts';
import { recordPublished } from './record-manifest.ts';

let workspace: string;
beforeEach(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'record-manifest-'));
});
afterEach(() => rm(workspace, { recursive: true, force: true }));

const SAME = { size: 4, sha256: 'a'.repeat(64), sha512: 'b'.repeat(128) };

/** A publish of `paths` (all with the same bytes) to one mirror. */
function published(paths: string[]): PublishResult {
  const files = paths.map((p) => ({ path: p, ...SAME, generated: false }));
  const objects = files.map((file) => ({ file, url: `https://dl.example/release/v1.0.0/${file.path}` }));
  return { version: 'v1.0.0', files, destinations: [{ plan: { objects } }] } as unknown as PublishResult;
}

describe('recordPublished', () => {
  it('gives two files with the same bytes a subject each, with their own URLs', async () => {
    const manifest = path.join(workspace, 'manifest.json');
    await recordPublished(manifest, workspace, path.join(workspace, 'release'), published(['a/LICENSE', 'b/LICENSE']));
    const files = (await readManifest(manifest)).files;
    expect(files.map((f) => [f.path, f.produced?.published])).toEqual([
      ['release/a/LICENSE', ['https://dl.example/release/v1.0.0/a/LICENSE']],
      ['release/b/LICENSE', ['https://dl.example/release/v1.0.0/b/LICENSE']],
    ]);
  });

  it('refuses to record URLs against a subject at the same path with other bytes', async () => {
    const manifest = path.join(workspace, 'manifest.json');
    await updateManifest(manifest, (m) => {
      m.files.push({ path: 'release/bin/kubectl', ...SAME, sha256: 'c'.repeat(64) });
      return m;
    });
    await expect(
      recordPublished(manifest, workspace, path.join(workspace, 'release'), published(['bin/kubectl'])),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('finds a subject recorded under another path (the build output) by its bytes', async () => {
    const manifest = path.join(workspace, 'manifest.json');
    await updateManifest(manifest, (m) => {
      m.files.push({ path: '_output/kubectl', ...SAME });
      return m;
    });
    await recordPublished(manifest, workspace, path.join(workspace, 'release'), published(['bin/kubectl']));
    const files = (await readManifest(manifest)).files;
    expect(files.map((f) => [f.path, f.produced?.published])).toEqual([
      ['_output/kubectl', ['https://dl.example/release/v1.0.0/bin/kubectl']],
    ]);
  });
});
