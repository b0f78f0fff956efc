import { describe, expect, it } from 'vitest';
import { InputReader } from '../../../shared/src/core/inputs.ts';
import { readInputs } from './inputs.ts';

const read = (given: Record<string, string>) => readInputs(new InputReader((name) => given[name] ?? ''));
const base = { version: 'v1.31.2', destination: 'file:///tmp/x' };

describe('readInputs', () => {
  it('reads the defaults', () => {
    expect(read(base)).toMatchObject({
      versions: [expect.objectContaining({ text: 'v1.31.2' })],
      destination: { scheme: 'file', path: '/tmp/x' },
      buildType: 'release',
      root: 'release',
      fast: false,
      extraMarkers: [],
      allowDowngrade: false,
      purge: undefined,
      readBack: undefined,
      dryRun: false,
      manifest: undefined,
      concurrencyGuard: 'compare-and-swap',
    });
    // Pre-releases that say so, as subprojects tag them too.
    for (const version of ['v1.32.0-rc.0', 'v1.33.0-alpha.1', 'v0.3.0-beta2', 'v1.2.0-rc1'])
      expect(read({ ...base, version }).versions[0]?.text).toBe(version);
  });

  it('reads several versions, a CI root, extra markers, purge and read-back', () => {
    const inputs = read({
      ...base,
      version: 'v1.32.0-rc.0\nv1.33.0-alpha.0',
      'build-type': 'ci',
      'extra-markers': 'k8s-master, k8s-beta.txt',
      'cdn-purge-url': 'https://api.fastly.com/service/x/purge',
      'cdn-purge-token': 'tok',
      'read-back-url': 'https://dl.k8s.io',
      'read-back-interval': '5s',
      'read-back-timeout': '1m',
    });
    expect(inputs.versions.map((v) => v.text)).toEqual(['v1.32.0-rc.0', 'v1.33.0-alpha.0']);
    expect(inputs.root).toBe('ci');
    expect(inputs.extraMarkers).toEqual(['k8s-master', 'k8s-beta']);
    expect(inputs.purge).toEqual({ url: 'https://api.fastly.com/service/x/purge', token: 'tok' });
    expect(inputs.readBack).toEqual({ url: 'https://dl.k8s.io', intervalMs: 5_000, timeoutMs: 60_000 });
  });

  it("takes markers.json's times from SOURCE_DATE_EPOCH when it is set, checked now; else from the write", () => {
    const reader = new InputReader((name) => (base as Record<string, string>)[name] ?? '');
    expect(readInputs(reader, { SOURCE_DATE_EPOCH: '1700000000' }).now?.()).toEqual(new Date(1_700_000_000_000));
    expect(readInputs(reader, {}).now).toBeUndefined();
    expect(readInputs(reader, { SOURCE_DATE_EPOCH: ' ' }).now).toBeUndefined();
    expect(() => readInputs(reader, { SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID', input: 'SOURCE_DATE_EPOCH' }),
    );
  });

  it.each([
    [{ version: '' }, 'version'],
    [{ version: '1.31.2' }, 'version'],
    [{ version: 'v1.31' }, 'version'],
    [{ version: `v1.31.2-rc.0+${'a'.repeat(300)}` }, 'version'],
    [{ version: 'v1.31.2, latest' }, 'version'],
    [{ 'build-type': 'nightly' }, 'build-type'],
    [{ version: 'v1.31.3-1' }, 'version'],
    [{ version: 'v1.32.0-dev' }, 'version'],
    [{ version: 'v1.33.0-alpha.0.5+abc' }, 'version'],
    [{ version: 'v1.30.0-rc.2.10+abc' }, 'version'],
    [{ 'extra-markers': 'a/b' }, 'extra-markers'],
    [{ 'extra-markers': '..' }, 'extra-markers'],
    [{ 'extra-markers': 'k8s..master' }, 'extra-markers'],
    [{ 'extra-markers': '-rf' }, 'extra-markers'],
    [{ 'extra-markers': 'stable-1.30' }, 'extra-markers'],
    [{ 'extra-markers': 'latest' }, 'extra-markers'],
    [{ 'extra-markers': 'stable.txt' }, 'extra-markers'],
    [{ 'extra-markers': 'latest-1' }, 'extra-markers'],
    [{ 'extra-markers': 'stable-fast' }, 'extra-markers'],
    [{ root: '../release' }, 'root'],
    [{ root: '/release' }, 'root'],
    [{ 'cdn-purge-url': 'https://api.fastly.com/purge' }, 'cdn-purge-token'],
    [{ 'cdn-purge-token': 'tok' }, 'cdn-purge-url'],
    [{ 'cdn-purge-url': 'ftp://x', 'cdn-purge-token': 'tok' }, 'cdn-purge-url'],
    [{ 'read-back-url': 'dl.k8s.io' }, 'read-back-url'],
    [{ 'read-back-url': 'https://dl.k8s.io/?token=x' }, 'read-back-url'],
    [{ 'cdn-purge-url': 'https://user:secret@api.fastly.com/purge', 'cdn-purge-token': 'tok' }, 'cdn-purge-url'],
    [{ 'read-back-timeout': 'soon' }, 'read-back-timeout'],
    [{ 'read-back-url': 'https://dl.k8s.io', 'read-back-timeout': '597h' }, 'read-back-timeout'],
    [{ 'read-back-url': 'https://dl.k8s.io', 'read-back-interval': '0' }, 'read-back-interval'],
    [{ fast: 'yes' }, 'fast'],
    [{ destination: '' }, 'destination'],
    [{ destination: 'gcs://bucket/release' }, 'destination'],
    [{ destination: 'github-release://kubernetes/kubernetes' }, 'destination'],
    [{ destination: 's3://b/../x' }, 'destination'],
  ])('%j is rejected, naming %s', (given, input) => {
    expect(() => read({ ...base, ...given })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', input }));
  });
});
