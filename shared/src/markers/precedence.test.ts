import { describe, expect, it } from 'vitest';
import { isUpToDate } from './precedence.ts';
import { parseVersion } from './version.ts';

const must = (text: string) => {
  const v = parseVersion(text);
  if (!v) throw new Error(`test version ${text} does not parse`);
  return v;
};

// Kubernetes' TestIsUpToDate (kubernetes/release pkg/release/publish_test.go), case for case.
describe('isUpToDate: the Kubernetes table', () => {
  it.each([
    {
      name: 'Final version after RC',
      oldVersion: '1.30.0-rc.2.10+00000000000000',
      newVersion: '1.30.0-11+00000000000000',
      expected: false,
    },
    { name: 'More commits', oldVersion: '1.30.0-10+00000000000000', newVersion: '1.30.0-11+00000000000000', expected: false },
    { name: 'Newer release', oldVersion: '1.29.0-0+00000000000000', newVersion: '1.29.1-0+00000000000000', expected: false },
    {
      name: 'Counter reset after RC',
      oldVersion: '1.30.0-rc.2.10+00000000000000',
      newVersion: '1.30.0-1+00000000000000',
      expected: false,
    },
    {
      name: 'Patch after newer RC (artificial corner case)',
      oldVersion: '1.29.0-rc.0.20+00000000000000',
      newVersion: '1.28.1-2+00000000000000',
      expected: true,
    },
  ])('$name', ({ oldVersion, newVersion, expected }) => {
    expect(isUpToDate(must(oldVersion), must(newVersion))).toBe(expected);
  });
});

describe('isUpToDate: more cases', () => {
  it.each([
    ['equal versions are up to date', 'v1.31.2', 'v1.31.2', true],
    ['equal precedence, other build metadata', 'v1.31.0-5+aaaa', 'v1.31.0-5+bbbb', true],
    ['older patch', 'v1.31.2', 'v1.31.1', true],
    ['newer patch', 'v1.31.1', 'v1.31.2', false],
    ['pre-release of a newer minor', 'v1.31.2', 'v1.32.0-alpha.0', false],
    ['release after its rc', 'v1.32.0-rc.1', 'v1.32.0', false],
    ['older rc after newer rc', 'v1.32.0-rc.1', 'v1.32.0-rc.0', true],
    ['rc build with only two identifiers does not get the exception', 'v1.30.0-rc.2', 'v1.30.0-11', true],
    ['the exception needs a numeric single identifier', 'v1.30.0-rc.2.10', 'v1.30.0-beta', true],
    ['the exception holds for a higher core version', 'v1.30.0-rc.2.10+a', 'v1.31.0-0+b', false],
    ['beta build after newer rc build stays', 'v1.30.0-rc.0.5+a', 'v1.30.0-beta.3.9+b', true],
    // The exception is a ranking: the other way round the rc build is the older one.
    ['rc build after the first build past the tag stays', 'v1.30.0-11+a', 'v1.30.0-rc.2.10+b', true],
    ['rc build of a newer patch moves it', 'v1.30.0-11+a', 'v1.30.1-rc.0.3+b', false],
    // The exception belongs to rc builds only: alpha.N.M and beta.N.M rank below a counted build as SemVer says.
    ['counted build after an alpha build', 'v1.30.0-alpha.2.10', 'v1.30.0-11', true],
    ['counted build after a beta build', 'v1.30.0-beta.2.10', 'v1.30.0-11', true],
    ['alpha build after a counted build', 'v1.30.0-11', 'v1.30.0-alpha.2.10', false],
    ['beta build after a counted build', 'v1.30.0-11', 'v1.30.0-beta.2.10', false],
    ['rc build with four identifiers does not get the exception', 'v1.30.0-rc.2.10.1', 'v1.30.0-11', true],
    ['counted build of a lower patch after an rc build', 'v1.30.1-rc.0.3', 'v1.30.0-11', true],
    ['rc build of a lower patch after a counted build', 'v1.30.1-11', 'v1.30.0-rc.2.10', true],
    ['rc build of the same core after two counters', 'v1.30.0-11.1', 'v1.30.0-rc.2.10', false],
  ])('%s: %s → %s', (_name, oldVersion, newVersion, expected) => {
    expect(isUpToDate(must(oldVersion), must(newVersion))).toBe(expected);
  });
});
