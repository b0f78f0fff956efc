/** Is the release a marker would point at published? Table tests against a folder store (no outside program). */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileSubject, ReleaseManifest } from '../manifest/manifest.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { checkReleasePublished, publishedThere } from './release-check.ts';
import { parseVersion, type Version } from './version.ts';

const v = (text: string) => parseVersion(text) as Version;
let dir: string;
let storage: FileStorage;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'release-check-'));
  storage = new FileStorage(dir);
  const files: Record<string, string> = {
    'release/v1.0.0/index.json': '{}',
    'release/v1.0.0/bin/kubectl': 'k',
    'release/v1.1.0/bin/kubectl': 'k',
    'release/fast/v1.2.0/index.json': '{}',
    'release/v1.3.0-rc.0/index.json': '{}',
  };
  for (const [key, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, key)), { recursive: true });
    await writeFile(path.join(dir, key), content);
  }
  // An empty release folder, and a folder whose name only starts like the release's.
  await mkdir(path.join(dir, 'release/v1.4.0'), { recursive: true });
  await mkdir(path.join(dir, 'release/v1.5.0-rc.1'), { recursive: true });
  await writeFile(path.join(dir, 'release/v1.5.0-rc.1/x'), 'x');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const file = (published?: string[]): FileSubject => ({
  path: 'bin/kubectl',
  size: 1,
  sha256: '0'.repeat(64),
  sha512: '0'.repeat(128),
  ...(published ? { produced: { published } } : {}),
});
const manifestOf = (...files: FileSubject[]): ReleaseManifest => ({ schemaVersion: 1, files, images: [], packages: [] });
const at = (key: string) => storage.urlFor(key);

describe('checkReleasePublished', () => {
  it.each([
    ['v1.0.0', false, true, 'release/v1.0.0'],
    ['v1.2.0', true, true, 'release/fast/v1.2.0'],
    ['v1.3.0-rc.0', false, true, 'release/v1.3.0-rc.0'],
    ['v1.0.0', false, false, 'release/v1.0.0'],
    ['v1.1.0', false, false, 'release/v1.1.0'],
  ])('%s (fast: %s, require-index: %s) is published at %s', async (version, fast, requireIndex, expected) => {
    await expect(
      checkReleasePublished(storage, v(version), { root: 'release', fast, manifest: undefined, requireIndex }),
    ).resolves.toBe(expected);
  });

  it.each([
    ['v1.1.0', true, 'is not published: release/v1.1.0/index.json'],
    ['v1.2.0', false, 'is not published: release/v1.2.0/index.json'],
    ['v9.9.9', false, 'is not published: nothing under'],
    ['v1.4.0', false, 'is not published: nothing under'],
    ['v1.5.0', false, 'is not published: nothing under'],
  ])('%s (require-index: %s) is refused: %s', async (version, requireIndex, problem) => {
    const fast = false;
    const error = await checkReleasePublished(storage, v(version), {
      root: 'release',
      fast,
      manifest: undefined,
      requireIndex: requireIndex || version === 'v1.2.0',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RELEASE_MISSING', userError: true, version, message: expect.stringContaining(problem) });
  });

  it('without require-index: a manifest that says publish-binaries published there asks for the index too', async () => {
    const options = { root: 'release', fast: false, requireIndex: false };
    const there = manifestOf(file(), file([at('release/v1.1.0/bin/kubectl')]));
    await expect(checkReleasePublished(storage, v('v1.1.0'), { ...options, manifest: there })).rejects.toMatchObject({
      code: 'RELEASE_MISSING',
      message: expect.stringContaining('is incomplete: release/v1.1.0/index.json'),
    });
    // Published there, index present.
    const complete = manifestOf(file([at('release/v1.0.0/bin/kubectl')]));
    await expect(checkReleasePublished(storage, v('v1.0.0'), { ...options, manifest: complete })).resolves.toBe('release/v1.0.0');
    // Published under another version's folder, or with no record of publishing: the folder is enough.
    const elsewhere = manifestOf(file([at('release/v1.0.0/bin/kubectl')]), file());
    await expect(checkReleasePublished(storage, v('v1.1.0'), { ...options, manifest: elsewhere })).resolves.toBe(
      'release/v1.1.0',
    );
  });
});

describe('publishedThere', () => {
  it.each([
    ['no manifest', () => undefined, false],
    ['no files', () => manifestOf(), false],
    ['files without produced.published', () => manifestOf(file(), file([])), false],
    ['a file signed but not published', () => manifestOf({ ...file(), produced: { signatures: ['bin/kubectl.sig'] } }), false],
    ['a file published there', () => manifestOf(file([at('release/v1.1.0/bin/kubectl')])), true],
    ['the last of several files', () => manifestOf(file(), file([at('x/y'), at('release/v1.1.0/SHA256SUMS')])), true],
    ['a folder that only starts like it', () => manifestOf(file([at('release/v1.1.0-rc.0/bin/kubectl')])), false],
    ['another store', () => manifestOf(file(['s3://other/release/v1.1.0/bin/kubectl'])), false],
  ])('%s: %s', (_, manifest, expected) => {
    expect(publishedThere(manifest(), storage, 'release/v1.1.0')).toBe(expected);
  });
});
