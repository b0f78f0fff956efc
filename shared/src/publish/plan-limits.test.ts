/**
 * What a destination cannot take is found in the plan, before anything is uploaded: GitHub's limits (1000 assets per
 * release, 2 GiB each) and a published immutable release.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { matchesAny } from '../core/paths.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { GitHubReleaseStorage } from '../storage/github-release-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { type FakeGitHub, startFakeGitHub } from '../testing/github-api.ts';
import { contentTypeFor } from './content-type.ts';
import { checkLimits, type Destination, misnamingSums } from './plan.ts';
import { publishBinaries } from './publish.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

const GiB = 1024 ** 3;
const limited = { limits: { maxObjects: 1000, maxObjectBytes: 2 * GiB, what: 'assets of one GitHub release' } };
const destination = (storage: Partial<Storage>): Destination =>
  ({ name: 'github-release://k/k', storage: storage as Storage, keyFor: (p: string) => p, flat: true }) as Destination;
function publish(sourceDir: string, version: string, destinations: Destination[]) {
  const options = { checksums: true, cacheControl: IMMUTABLE_CACHE_CONTROL, contentTypeOf: contentTypeFor, concurrency: 4 };
  return publishBinaries({ ...options, sourceDir, version, destinations, dryRun: false }, new RecordingLogger());
}
const sizes = (count: number, size = 1) => new Map(Array.from({ length: count }, (_, i) => [`f${i}`, size]));

describe('checkLimits', () => {
  it.each([
    ['999 files and the index', limited, sizes(999), undefined],
    ['1000 files and the index', limited, sizes(1000), /1001 objects .* more than the 1000 assets of one GitHub release/],
    ['a file of 2 GiB', limited, sizes(1, 2 * GiB), undefined],
    ['a file over 2 GiB', limited, sizes(1, 2 * GiB + 1), /f0 exceeds the 2 GiB allowed/],
    ['a store without limits', {}, sizes(5000, 3 * GiB), undefined],
  ])('%s', (_, storage, files, refusal) => {
    const check = () => checkLimits(destination(storage), files);
    if (refusal === undefined) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringMatching(refusal) }));
  });
});

describe('misnamingSums', () => {
  const github = { urlFor: (key: string) => `https://github.com/k/k/releases/download/v1/${key.replaceAll('/', '-')}` };
  const flat = destination(github);
  const lists = (names: string[]) => async () => names;
  it.each([
    ['a flat tree', flat, ['SHA256SUMS', 'kubectl', 'kubectl.sha256'], ['kubectl'], []],
    [
      'a nested file the SUMS lists',
      flat,
      ['SHA256SUMS', 'bin/kubectl'],
      ['bin/kubectl'],
      [{ sums: 'SHA256SUMS', listed: 'bin/kubectl', there: 'bin-kubectl' }],
    ],
    ['a nested file not published there', flat, ['SHA256SUMS', 'kubectl'], ['kubectl', 'bin/kubectl'], []],
    ['a nested file without SUMS there', flat, ['bin/kubectl', 'bin/kubectl.sha256'], ['bin/kubectl'], []],
    ['a listed ./ prefix', flat, ['SHA512SUMS', 'kubectl'], ['./kubectl'], []],
    ['a store with folders', { ...flat, flat: false }, ['SHA256SUMS', 'bin/kubectl'], ['bin/kubectl'], []],
  ])('%s', async (_, dest, paths, listed, misnamed) => {
    expect(await misnamingSums(dest, paths, lists(listed))).toEqual(misnamed);
  });
});

describe('publishBinaries to a GitHub release too small for the tree', () => {
  let github: FakeGitHub;
  let work: string;
  beforeAll(async () => {
    github = await startFakeGitHub();
    work = await mkdtemp(path.join(tmpdir(), 'plan-limits-'));
    // 340 files, each with its .sha256 and .sha512, and the SUMS files: over 1000 assets.
    for (let i = 0; i < 340; i++) {
      await mkdir(path.join(work, 'src', `d${i % 10}`), { recursive: true });
      await writeFile(path.join(work, 'src', `d${i % 10}`, `f${i}`), `file ${i}\n`);
    }
  });
  afterAll(async () => {
    await github?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('a published immutable release is reported, not modified', async () => {
    github.addPublishedRelease('kubernetes', 'kubernetes', 'v2.0.0').immutable = true;
    const release = new GitHubReleaseStorage(
      { owner: 'kubernetes', repo: 'kubernetes', tag: 'v2.0.0' },
      { token: github.token, apiUrl: github.apiUrl },
      { writeIntervalMs: 0 },
    );
    const error = await publish(path.join(work, 'src', 'd0'), 'v2.0.0', [destination(release)]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'RELEASE_CONFLICT',
      userError: true,
      message: expect.stringMatching(/v2\.0\.0 is a published immutable release: GitHub refuses .*; nothing was changed/),
    });
    expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('is refused in the plan: nothing is uploaded anywhere, no release is made', async () => {
    const release = new GitHubReleaseStorage(
      { owner: 'kubernetes', repo: 'kubernetes', tag: 'v1.0.0' },
      { token: github.token, apiUrl: github.apiUrl },
      { writeIntervalMs: 0 },
    );
    const mirror = new FileStorage(path.join(work, 'mirror'));
    const error = await publish(path.join(work, 'src'), 'v1.0.0', [
      destination(release),
      { name: mirror.location, storage: mirror, keyFor: (p) => p },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INPUT_INVALID',
      userError: true,
      message: expect.stringMatching(
        /is 10\d\d objects .* more than the 1000 assets of one GitHub release; nothing was uploaded/,
      ),
    });
    expect(github.requests.filter((r) => r.path.includes('/repos/kubernetes/kubernetes/releases') && r.method !== 'GET')).toEqual(
      [],
    );
    for await (const info of mirror.list('')) throw new Error(`uploaded: ${info.key}`);
  });

  it('refuses an assets filter asking for SUMS files that name the files otherwise than the assets are named', async () => {
    const release = new GitHubReleaseStorage(
      { owner: 'kubernetes', repo: 'kubernetes', tag: 'v1.0.2' },
      { token: github.token, apiUrl: github.apiUrl },
      { writeIntervalMs: 0 },
    );
    const error = await publish(path.join(work, 'src'), 'v1.0.2', [
      { ...destination(release), include: (p: string) => matchesAny(p, ['d3/*', 'SHA256SUMS']) },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INPUT_INVALID',
      userError: true,
      message: expect.stringMatching(
        /SHA256SUMS lists d3\/f\d+, which github-release:\/\/k\/k holds as d3-f\d+: `sha256sum -c SHA256SUMS`/,
      ),
    });
    expect(github.release('v1.0.2')).toBeUndefined();
  });

  it('succeeds with an assets filter: only the matching files (and the index) become assets', async () => {
    const release = new GitHubReleaseStorage(
      { owner: 'kubernetes', repo: 'kubernetes', tag: 'v1.0.1' },
      { token: github.token, apiUrl: github.apiUrl },
      { writeIntervalMs: 0 },
    );
    const result = await publish(path.join(work, 'src'), 'v1.0.1', [
      // The SUMS files name d3/f3, not the asset d3-f3: they stay out (sha256sum -c would not find the files).
      { ...destination(release), include: (p: string) => matchesAny(p, ['d3/*']) },
    ]);
    const names = github.release('v1.0.1')?.assets.map((a) => a.name) ?? [];
    // 34 files of d3/, each with its .sha256 and .sha512, the index.
    expect(names).toHaveLength(34 * 3 + 1);
    expect(names.every((n) => n.startsWith('d3-') || n === 'index.json')).toBe(true);
    expect(github.release('v1.0.1')?.draft).toBe(false);
    expect(result.destinations[0]?.uploaded).toBe(names.length);
  });
});
