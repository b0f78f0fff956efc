/**
 * apt-get reads the repository as Debian's archive serves it: by hash, the strongest hash Release lists; with the
 * dists layout, each suite and component holding its own packages.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { type BuildOptions, buildPackages } from './build.ts';
import { aptRoot, run, testKey, toolBuildOptions, treeDigests, writeToolPackage } from './tools.fixture.ts';

let work: string;
let key: Awaited<ReturnType<typeof testKey>>;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'packages-apt-'));
  key = await testKey();
  await writeToolPackage(work);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The tool's deb at `version`, into `out`'s repository. */
const build = (out: string, version: string, given: Partial<BuildOptions> = {}) =>
  buildPackages(
    toolBuildOptions(work, version, path.join(out, 'repository'), {
      formats: ['deb'],
      privateKey: key.privateKey,
      passphrase: key.passphrase,
      outputDir: out,
      ...given,
    }),
    new RecordingLogger(),
  );

/** apt-get, in a root of its own, reading `repo` (a sources.list line's URI and suite part) signed by the test key. */
async function aptFor(out: string, repo: string) {
  const keyring = path.join(out, 'key.gpg');
  await run('sh', ['-c', `gpg --dearmor < ${path.join(out, 'signing-key.asc')} > ${keyring}`]);
  return aptRoot(`deb [signed-by=${keyring}] file:${repo}`);
}

describe('Acquire-By-Hash', () => {
  it.each(['flat', 'dists'] as const)(
    '%s: apt-get update fetches every index by its SHA512, none missing',
    async (layout) => {
      const out = path.join(work, layout);
      await build(out, '1.0.0', { layout });
      const repo =
        layout === 'flat'
          ? `${path.join(out, 'repository/stable/v1.0/deb')}/ /`
          : `${path.join(out, 'repository/deb')} stable v1.0`;
      const { root, apt } = await aptFor(out, repo);
      const update = await apt('apt-get', ['-o', 'Debug::pkgAcquire::Worker=1', 'update']);
      expect(update.code, update.out).toBe(0);
      expect(update.out).toMatch(/by-hash\/SHA512\/[0-9a-f]{128}/);
      expect(update.out.split('\n').filter((line) => /File not found|^Ign:|^(W|E):/.test(line))).toEqual([]);
      expect((await apt('apt-cache', ['policy', 'tool'])).out).toContain('1.0.0');
      await rm(root, { recursive: true, force: true });
    },
    120_000,
  );
});

describe('the dists layout', () => {
  it('keeps each suite and component to its own packages; Release vouches for every component', async () => {
    const out = path.join(work, 'suites');
    const suite = (name: string) => path.join(out, 'repository/deb/dists', name);
    const versions = async (name: string, component: string) =>
      [...(await readFile(path.join(suite(name), component, 'binary-amd64/Packages'), 'utf8')).matchAll(/^Version: (.*)$/gm)]
        .map((m) => m[1])
        .sort();
    await build(out, '1.1.0', { layout: 'dists' });
    await build(out, '1.2.0~rc.1', { layout: 'dists', channel: 'prerelease' });
    const prerelease = await treeDigests(suite('prerelease'));
    await build(out, '1.0.0', { layout: 'dists' });
    const last = await build(out, '1.0.1', { layout: 'dists' });
    expect(last.repositories.map((r) => [r.kept, r.packages])).toEqual([[2, 3]]);

    const release = await readFile(path.join(suite('stable'), 'Release'), 'utf8');
    expect(release).toContain('Components: v1.0 v1.1');
    for (const component of ['v1.0', 'v1.1']) expect(release).toContain(` ${component}/binary-amd64/Packages\n`);
    expect(await versions('stable', 'v1.0')).toEqual(['1.0.0', '1.0.1']);
    expect(await versions('stable', 'v1.1')).toEqual(['1.1.0']);
    // The prerelease suite is neither read into the stable one nor written again.
    expect(await treeDigests(suite('prerelease'))).toEqual(prerelease);
    expect(await versions('prerelease', 'v1.2')).toEqual(['1.2.0~rc.1']);

    // Each component apt is pointed at verifies and offers its own versions; nothing of prerelease's.
    for (const [component, candidate, other] of [
      ['v1.0', '1.0.1', '1.1.0'],
      ['v1.1', '1.1.0', '1.0.1'],
    ] as const) {
      const { root, apt } = await aptFor(out, `${path.join(out, 'repository/deb')} stable ${component}`);
      const update = await apt('apt-get', ['update']);
      expect(update.code, update.out).toBe(0);
      expect(update.out).not.toMatch(/^(W|E):/m);
      const policy = (await apt('apt-cache', ['policy', 'tool'])).out;
      expect(policy).toMatch(new RegExp(`Candidate: ${candidate.replaceAll('.', '\\.')}$`, 'm'));
      expect(policy).not.toContain(other);
      expect(policy).not.toContain('rc');
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
