import { describe, expect, it } from 'vitest';
import { defaultRoot, markerKeys, markerType, releaseDir, standardMarkerType } from './names.ts';
import { parseVersion } from './version.ts';

const must = (text: string) => {
  const v = parseVersion(text, { requireV: true });
  if (!v) throw new Error(`test version ${text} does not parse`);
  return v;
};

describe('markerType', () => {
  it.each([
    ['release', 'v1.31.2', 'stable'],
    ['release', 'v1.32.0-alpha.0', 'latest'],
    ['release', 'v1.32.0-beta.1', 'latest'],
    ['release', 'v1.32.0-rc.0', 'latest'],
    ['ci', 'v1.31.2', 'latest'],
    ['ci', 'v1.32.0-alpha.1.66+d19aec8bf1c8ca', 'latest'],
    ['devel', 'v1.31.2', 'latest'],
  ] as const)('%s %s → %s', (buildType, version, expected) => {
    expect(markerType(buildType, must(version))).toBe(expected);
  });
});

describe('standardMarkerType', () => {
  it.each([
    ['stable', 'stable'],
    ['latest', 'latest'],
    ['stable-1', 'stable'],
    ['latest-12', 'latest'],
    ['stable-1.31', 'stable'],
    ['latest-10.100', 'latest'],
    ['stable-fast', 'stable'],
    ['latest-fast', 'latest'],
    ['stable-candidate', undefined],
    ['latest-fastest', undefined],
    ['k8s-stable', undefined],
    ['xlatest', undefined],
    ['stable1', undefined],
    ['stable-', undefined],
    ['stable-1.', undefined],
    ['stable-1.31.2', undefined],
    ['stable-1x31', undefined],
    ['stable-a', undefined],
    ['stable-1.31-fast', undefined],
  ] as const)('%s → %s', (name, type) => {
    expect(standardMarkerType(name)).toBe(type);
  });
});

describe('markerKeys', () => {
  const base = { fast: false, extraMarkers: [] as string[] };
  it('a stable release moves stable, stable-MAJOR and stable-MAJOR.MINOR under release/', () => {
    expect(markerKeys(must('v1.31.2'), { ...base, buildType: 'release', root: defaultRoot('release') })).toEqual([
      'release/stable.txt',
      'release/stable-1.txt',
      'release/stable-1.31.txt',
    ]);
  });
  it('a pre-release moves the latest markers under release/ and never stable', () => {
    expect(markerKeys(must('v1.32.0-rc.0'), { ...base, buildType: 'release', root: 'release' })).toEqual([
      'release/latest.txt',
      'release/latest-1.txt',
      'release/latest-1.32.txt',
    ]);
  });
  it('a CI build moves the latest markers under ci/, plus extra markers', () => {
    expect(
      markerKeys(must('v1.32.0-alpha.1.66+d19aec8bf1c8ca'), {
        buildType: 'ci',
        root: defaultRoot('ci'),
        fast: false,
        extraMarkers: ['k8s-master', 'latest'],
      }),
    ).toEqual(['ci/latest.txt', 'ci/latest-1.txt', 'ci/latest-1.32.txt', 'ci/k8s-master.txt']);
  });
  it('a fast build moves only <type>-fast under <root>/fast/, extras beside it', () => {
    expect(
      markerKeys(must('v1.32.0-alpha.1.66+abc'), { buildType: 'ci', root: 'ci', fast: true, extraMarkers: ['k8s-fast'] }),
    ).toEqual(['ci/fast/latest-fast.txt', 'ci/fast/k8s-fast.txt']);
  });
  it('a custom root', () => {
    expect(markerKeys(must('v1.31.2'), { ...base, buildType: 'devel', root: 'staging/devel' })[0]).toBe(
      'staging/devel/latest.txt',
    );
  });
});

describe('releaseDir', () => {
  it('is <root>[/fast]/<version>', () => {
    expect(releaseDir('release', must('v1.31.2'), false)).toBe('release/v1.31.2');
    expect(releaseDir('ci', must('v1.32.0-alpha.1.66+abc'), true)).toBe('ci/fast/v1.32.0-alpha.1.66+abc');
  });
});
