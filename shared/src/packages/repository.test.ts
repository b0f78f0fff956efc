/**
 * An existing repository is extended only once it verifies: its signature by the signing key, its indexes against
 * the digests the signed metadata records, each kept package against its index entry. Anything else is refused
 * before a file is written, in output-dir or in either repository.
 */
import { access, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { buildPackages } from './build.ts';
import { RepositoryTamperedError } from './errors.ts';
import { testKey, toolBuildOptions, treeDigests, writeToolPackage } from './tools.fixture.ts';

type Key = Awaited<ReturnType<typeof testKey>>;
let work: string;
let key: Key;
let otherKey: Key;
let pristine: string;
let unsigned: string;

const options = (repositoryDir: string, version: string, signer: Key | undefined) =>
  toolBuildOptions(work, version, repositoryDir, { privateKey: signer?.privateKey, passphrase: signer?.passphrase });

let copies = 0;
async function copyOf(repository: string): Promise<string> {
  const dir = path.join(work, `copy-${++copies}`, 'repository');
  await cp(repository, dir, { recursive: true });
  return dir;
}

const deb = (repo: string) => path.join(repo, 'stable/v1.0/deb');
const rpm = (repo: string) => path.join(repo, 'stable/v1.0/rpm');

async function edit(file: string, change: (text: string) => string): Promise<void> {
  await writeFile(file, change(await readFile(file, 'utf8')));
}

async function primaryFile(repo: string): Promise<string> {
  const name = (await readdir(path.join(rpm(repo), 'repodata'))).find((f) => f.endsWith('-primary.xml.gz')) as string;
  return path.join(rpm(repo), 'repodata', name);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'packages-repository-'));
  await writeToolPackage(work);
  [key, otherKey] = await Promise.all([testKey(), testKey()]);
  pristine = path.join(work, 'pristine', 'repository');
  await buildPackages(options(pristine, '1.0.0', key), new RecordingLogger());
  unsigned = path.join(work, 'unsigned', 'repository');
  await buildPackages(options(unsigned, '1.0.0', undefined), new RecordingLogger());
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('a repository that verifies', () => {
  it.each([
    ['signed', () => pristine, () => key],
    ['unsigned', () => unsigned, () => undefined],
  ])('%s: is extended, its packages kept', async (_, repository, signer) => {
    const repo = await copyOf(repository());
    const result = await buildPackages(options(repo, '1.0.1', signer()), new RecordingLogger());
    expect(result.repositories.map((r) => [r.format, r.kept, r.packages])).toEqual([
      ['deb', 1, 2],
      ['rpm', 1, 2],
    ]);
  });
});

describe('index files of old generations', () => {
  it('are removed once two newer ones are in place: by-hash copies (APT) and repodata (YUM)', async () => {
    const repo = await copyOf(pristine);
    const release = () => readFile(path.join(deb(repo), 'Release'), 'utf8');
    const generations = [await release()];
    for (const version of ['1.0.1', '1.0.2']) {
      await buildPackages(options(repo, version, key), new RecordingLogger());
      generations.push(await release());
    }
    const named = (text: string) =>
      [...text.matchAll(/^(SHA256|SHA512):\n((?: .*\n?)*)/gm)].flatMap(([, table, rows]) =>
        [...(rows as string).matchAll(/^ ([0-9a-f]+) /gm)].map(([, hash]) => `${table}/${hash}`),
      );
    const [, previous, current] = generations.map(named);
    const byHash = async () =>
      (
        await Promise.all(
          ['SHA256', 'SHA512'].map(async (t) => (await readdir(path.join(deb(repo), 'by-hash', t))).map((f) => `${t}/${f}`)),
        )
      ).flat();
    expect((await byHash()).sort()).toEqual([...new Set([...(previous ?? []), ...(current ?? [])])].sort());
    // YUM: this generation's primary, filelists and other, and the one before's.
    expect((await readdir(path.join(rpm(repo), 'repodata'))).filter((f) => f.endsWith('.xml.gz'))).toHaveLength(6);
  });
});

describe('a repository that does not verify is refused, and nothing is written', () => {
  // Thunks: the table is made before beforeAll has made the keys and the repositories.
  it.each<[string, () => string, (repo: string) => Promise<void>, string, string, () => Key | undefined]>([
    [
      'a Packages index changed',
      () => pristine,
      (repo) => edit(path.join(deb(repo), 'Packages'), (t) => t.replace('Description: A tool', 'Description: A tool!')),
      'deb/Packages',
      'InRelease records',
      () => key,
    ],
    [
      'InRelease changed',
      () => pristine,
      (repo) => edit(path.join(deb(repo), 'InRelease'), (t) => t.replace('Label: release-actions', 'Label: release-actionz')),
      'deb/InRelease',
      'does not verify',
      () => key,
    ],
    [
      'InRelease removed',
      () => pristine,
      (repo) => rm(path.join(deb(repo), 'InRelease')),
      'deb/InRelease',
      'is missing',
      () => key,
    ],
    [
      'a kept deb replaced',
      () => pristine,
      (repo) => writeFile(path.join(deb(repo), 'amd64/tool_1.0.0_amd64.deb'), 'other bytes'),
      'deb/amd64/tool_1.0.0_amd64.deb',
      'deb/Packages records',
      () => key,
    ],
    ['signed by another key', () => pristine, async () => {}, 'deb/InRelease', 'is signed by key', () => otherKey],
    [
      'an unsigned Packages index changed',
      () => unsigned,
      (repo) => edit(path.join(deb(repo), 'Packages'), (t) => t.replace('Description: A tool', 'Description: A tool!')),
      'deb/Packages',
      'Release records',
      () => undefined,
    ],
    [
      'a primary.xml.gz changed',
      () => pristine,
      async (repo) => {
        const file = await primaryFile(repo);
        const xml = gunzipSync(await readFile(file)).toString('utf8');
        await writeFile(file, gzipSync(xml.replace('<summary>A tool', '<summary>A tool!'), { level: 9 }));
      },
      '-primary.xml.gz',
      'repomd.xml records',
      () => key,
    ],
    [
      'repomd.xml changed',
      () => pristine,
      (repo) => edit(path.join(rpm(repo), 'repodata/repomd.xml'), (t) => t.replace('<revision>', '<revision>1')),
      'rpm/repodata/repomd.xml.asc',
      'does not verify',
      () => key,
    ],
    [
      'repomd.xml.asc removed',
      () => pristine,
      (repo) => rm(path.join(rpm(repo), 'repodata/repomd.xml.asc')),
      'rpm/repodata/repomd.xml.asc',
      'is missing',
      () => key,
    ],
    [
      'a kept rpm replaced',
      () => pristine,
      (repo) => writeFile(path.join(rpm(repo), 'x86_64/tool-1.0.0-1.x86_64.rpm'), 'other bytes'),
      'rpm/x86_64/tool-1.0.0-1.x86_64.rpm',
      '-primary.xml.gz records',
      () => key,
    ],
  ])('%s', async (_, repository, tamper, file, problem, signer) => {
    const repo = await copyOf(repository());
    await tamper(repo);
    const before = await treeDigests(repo);
    const error = (await buildPackages(options(repo, '1.0.1', signer()), new RecordingLogger()).catch(
      (e: unknown) => e,
    )) as RepositoryTamperedError;
    expect(error).toBeInstanceOf(RepositoryTamperedError);
    expect(error.code).toBe('VERIFICATION_FAILED');
    expect(error.userError).toBe(true);
    expect(error.file.endsWith(file)).toBe(true);
    expect(error.message).toContain(problem);
    expect(await treeDigests(repo)).toEqual(before);
    expect(
      await access(path.join(repo, '..', 'out')).then(
        () => 'written',
        () => 'absent',
      ),
    ).toBe('absent');
  });
});
