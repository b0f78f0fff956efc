import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readManifest, updateManifest } from '../manifest/manifest.ts';
import type { PublishResult } from './publish.ts';
import { manifestReleaseIds, recordPublished } from './record-manifest.ts';

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

describe('manifestReleaseIds', () => {
  it('keeps one id per repository and tag, beside what other stages recorded, and reads it back', async () => {
    const manifest = path.join(workspace, 'manifest.json');
    await recordPublished(manifest, workspace, path.join(workspace, 'release'), published(['kubectl']));
    const ids = manifestReleaseIds(manifest);
    expect(await ids.recall({ owner: 'kubernetes', repo: 'kubernetes', tag: 'v1.0.0' })).toBeUndefined();
    await ids.remember({ owner: 'kubernetes', repo: 'kubernetes', tag: 'v1.0.0', id: 41 });
    await ids.remember({ owner: 'kubernetes', repo: 'kubernetes', tag: 'v1.0.0', id: 42 });
    await ids.remember({ owner: 'kubernetes', repo: 'mirror', tag: 'v1.0.0', id: 7 });
    // Owner and repository names are case-insensitive on GitHub.
    expect(await ids.recall({ owner: 'Kubernetes', repo: 'Kubernetes', tag: 'v1.0.0' })).toBe(42);
    expect(await ids.recall({ owner: 'kubernetes', repo: 'kubernetes', tag: 'v1.0.1' })).toBeUndefined();
    const read = await readManifest(manifest);
    expect(read.githubReleases).toEqual([
      { repository: 'kubernetes/kubernetes', tag: 'v1.0.0', id: 42 },
      { repository: 'kubernetes/mirror', tag: 'v1.0.0', id: 7 },
    ]);
    expect(read.files.map((f) => f.path)).toEqual(['release/kubectl']);
  });
});
