import { describe, expect, it } from 'vitest';
import { AzBlobStorage } from '../storage/azblob-storage.ts';
import { checkKeys, type Destination, differsApartFromSignatures, isSignatureMaterial } from './plan.ts';
import type { IndexDocument } from './release-index.ts';
import type { ReleaseFile } from './source.ts';

describe('isSignatureMaterial', () => {
  it.each([
    ['bin/linux/amd64/kubectl.sigstore.json', true],
    ['bin/linux/amd64/kubectl.sigstore.json.sha256', true],
    ['kubernetes.tar.gz.sig', true],
    ['kubernetes.tar.gz.cert.sha512', true],
    ['provenance.json', true],
    ['provenance.sigstore.json.sha256', true],
    ['bin/linux/amd64/kubectl', false],
    ['bin/linux/amd64/kubectl.sha256', false],
    ['SHA256SUMS', false],
    ['signatures/readme.txt', false],
  ])('%s: %s', (file, expected) => {
    expect(isSignatureMaterial(file)).toBe(expected);
  });
});

const file = (path: string, sha256: string, sha512 = `${sha256}${sha256}`): ReleaseFile & { sha512: string } =>
  ({ path, size: 1, sha256, sha512 }) as unknown as ReleaseFile & { sha512: string };
const entry = (path: string, sha256: string) => ({ path, size: 1, sha256, sha512: `${sha256}${sha256}`, url: '' });
const doc = (...files: ReturnType<typeof entry>[]): IndexDocument => ({ schemaVersion: 1, version: 'v1', files });
const store = (sums: Record<string, string>): Destination =>
  ({
    name: 'd',
    keyFor: (p: string) => p,
    storage: { read: async (k: string) => (k in sums ? { data: Buffer.from(sums[k] as string) } : undefined) },
  }) as unknown as Destination;

describe('differsApartFromSignatures', () => {
  const mine = [file('a', 'aa'), file('a.sigstore.json', 'new'), file('provenance.json', 'p2'), file('SHA256SUMS', 's2')];
  it.each([
    [
      'signatures and provenance only',
      doc(entry('a', 'aa'), entry('a.sigstore.json', 'old'), entry('provenance.json', 'p1'), entry('SHA256SUMS', 's1')),
      undefined,
    ],
    ['a release file', doc(entry('a', 'ab'), entry('SHA256SUMS', 's1')), 'a'],
    ['a file more', doc(entry('a', 'aa'), entry('b', 'bb'), entry('SHA256SUMS', 's1')), '2 files published, 1 in this run'],
  ])('%s differ: %s', async (_, published, why) => {
    const sums = { SHA256SUMS: 'aa  a\nold  a.sigstore.json\np1  provenance.json\n' };
    expect(await differsApartFromSignatures(store(sums), published, mine)).toBe(why);
  });
  it('a published checksum line for a release file that names another digest differs', async () => {
    const published = doc(entry('a', 'aa'), entry('SHA256SUMS', 's1'));
    expect(await differsApartFromSignatures(store({ SHA256SUMS: 'ff  a\n' }), published, mine)).toBe('SHA256SUMS (a)');
  });
});

describe('differsApartFromSignatures on a destination that takes part of the tree (an assets filter)', () => {
  const tree = [file('a.tar.gz', 'aa'), file('bin/kubectl', 'bb'), file('SHA256SUMS', 's2')];
  const taken = tree.filter((f) => f.path !== 'bin/kubectl');
  const published = doc(entry('a.tar.gz', 'aa'), entry('SHA256SUMS', 's1'));
  const sums = { SHA256SUMS: 'aa  a.tar.gz\nbb  bin/kubectl\n' };
  it('checks the checksum lines against the whole tree: the same release', async () => {
    expect(await differsApartFromSignatures(store(sums), published, taken, tree)).toBeUndefined();
  });
  it('a line for a file the destination does not take still names the digest of this run', async () => {
    const changed = tree.map((f) => (f.path === 'bin/kubectl' ? file('bin/kubectl', 'b2') : f));
    expect(await differsApartFromSignatures(store(sums), published, taken, changed)).toBe('SHA256SUMS (bin/kubectl)');
  });
});

describe('checkKeys on an azblob:// destination', () => {
  const storage = new AzBlobStorage({ connectionString: 'UseDevelopmentStorage=true', container: 'dl', prefix: 'k8s' });
  const azure: Destination = { name: 'azblob://dl/k8s', storage, keyFor: (p) => `release/v1/${p}` };
  it.each([
    ['a name with a backslash', ['bin/kube\\ctl']],
    ['a backslash and the slash Azure would make of it', ['a/b', 'a\\b']],
  ])('refuses %s, naming the file', (_, paths) => {
    expect(() => checkKeys(azure, paths)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', input: 'source-dir' }));
    expect(() => checkKeys(azure, paths)).toThrow(paths.at(-1));
  });
  it('takes names Azure keeps as they are', () => {
    expect(() => checkKeys(azure, ['bin/linux/amd64/kubectl', 'a b+c~d.txt'])).not.toThrow();
  });
});
