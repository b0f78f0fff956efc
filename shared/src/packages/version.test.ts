import { describe, expect, it } from 'vitest';
import { debDependency, rpmDependency } from './depends.ts';
import { dependenciesFor, fillTemplate } from './plan.ts';
import {
  archProblem,
  channelOf,
  debVersionProblem,
  formatArch,
  KNOWN_ARCHES,
  mapVersion,
  minorOf,
  rpmVersionProblem,
} from './version.ts';

describe('mapVersion', () => {
  it.each([
    ['v1.31.0', 'deb', '1.31.0'],
    ['v1.31.0', 'rpm', '1.31.0'],
    ['v1.31.0-rc.1', 'deb', '1.31.0-rc.1'],
    ['v1.31.0-rc.1', 'rpm', '1.31.0~rc.1'],
    ['1.31.0+abc', 'deb', '1.31.0-abc'],
    ['1.31.0+abc+def', 'deb', '1.31.0-abc+def'],
    ['v1.31.0-alpha.1+abc', 'rpm', '1.31.0~alpha.1~abc'],
    ['version', 'deb', 'version'],
  ] as const)('%s for %s → %s', (raw, format, expected) => {
    expect(mapVersion(raw, format)).toBe(expected);
  });
});

describe('version rules', () => {
  it.each([
    ['1.31.0', '1', undefined],
    ['1.31.0~rc.1', '', undefined],
    ['1.31.0-rc.1', '', 'needs a release'],
    ['abc', '1', 'start with a digit'],
    ['1.0 beta', '1', 'only letters'],
    ['1.0', '1-2', 'release holds only'],
  ])('deb %s-%s', (version, release, problem) => {
    const found = debVersionProblem(version, release);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
  it.each([
    ['1.31.0', '1', undefined],
    ['1.31.0~rc.1', '1', undefined],
    ['1.31.0-rc.1', '1', "no '-'"],
    ['abc', '1', 'needs a digit'],
    ['1.0', '', 'release holds only'],
  ])('rpm %s-%s', (version, release, problem) => {
    const found = rpmVersionProblem(version, release);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('architectures', () => {
  it.each([
    ['amd64', 'x86_64', 'amd64'],
    ['arm64', 'aarch64', 'arm64'],
    ['ppc64le', 'ppc64le', 'ppc64el'],
    ['s390x', 's390x', 's390x'],
    ['all', 'noarch', 'all'],
  ])('%s → rpm %s, deb %s', (go, rpm, deb) => {
    expect(formatArch(go, 'rpm')).toBe(rpm);
    expect(formatArch(go, 'deb')).toBe(deb);
  });
  it('knows no sparc', () => {
    expect(formatArch('sparc', 'deb')).toBeUndefined();
  });
  it.each([
    ['amd64', 'deb', undefined],
    ['ppc64el', 'deb', undefined],
    ['arm-linux', 'deb', undefined],
    ['0a', 'deb', undefined],
    ['all', 'deb', undefined],
    ['../../../../escaped', 'deb', 'only a-z, 0-9 and -'],
    ['amd64\nEssential: yes', 'deb', 'only a-z, 0-9 and -'],
    ['AMD64', 'deb', 'only a-z, 0-9 and -'],
    ['-amd64', 'deb', 'only a-z, 0-9 and -'],
    ['x86_64', 'deb', 'only a-z, 0-9 and -'],
    ['', 'deb', 'only a-z, 0-9 and -'],
    ['x86_64', 'rpm', undefined],
    ['noarch', 'rpm', undefined],
    ['armv7hl', 'rpm', undefined],
    ['AARCH64', 'rpm', undefined],
    ['../escaped', 'rpm', 'only letters, digits and _'],
    ['x86-64', 'rpm', 'only letters, digits and _'],
    ['x86_64\n', 'rpm', 'only letters, digits and _'],
    ['', 'rpm', 'only letters, digits and _'],
  ] as const)('own arch %j for %s', (arch, format, problem) => {
    const found = archProblem(arch, format);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('channel and minor', () => {
  it.each([
    ['v1.31.2', 'stable', 'v1.31'],
    ['v1.32.0-rc.1', 'prerelease', 'v1.32'],
    ['1.30.0+abc', 'stable', 'v1.30'],
  ])('%s', (version, channel, minor) => {
    expect(channelOf(version)).toBe(channel);
    expect(minorOf(version)).toBe(minor);
  });
  it.each([
    ['v1.31.0', 'rc.1', 'prerelease'],
    ['v1.31.0', '', 'stable'],
    ['v1.31.0', undefined, 'stable'],
    ['v1.31.0-rc.1', '', 'prerelease'],
  ])('%s with prerelease %j → %s', (version, prerelease, channel) => {
    expect(channelOf(version, prerelease)).toBe(channel);
  });
});

describe('dependencies-by-version', () => {
  const ranges = { '>=1.30.0 <1.32.0': ['cri-tools >= 1.30.0'], '>=1.32.0': [] };
  it.each([
    ['v1.30.4', ['cri-tools >= 1.30.0']],
    ['1.31.0-rc.1', ['cri-tools >= 1.30.0']],
    ['v1.32.0', []],
  ])('%s', (version, deps) => {
    expect(dependenciesFor(ranges, version)).toEqual({ deps });
  });
  it.each([
    [ranges, 'v1.29.0', 'no range matches'],
    [{ ...ranges, '>=1.31.0': ['x'] }, '1.31.0', 'matches 2 ranges'],
  ])('%j refuses %s', (table, version, problem) => {
    expect(dependenciesFor(table, version)).toEqual({ problem: expect.stringContaining(problem) });
  });
});

describe('dependency strings', () => {
  it.each([
    ['cri-tools >= 1.30.0', 'cri-tools (>= 1.30.0)', { name: 'cri-tools', flags: 12, version: '1.30.0' }],
    ['libc6 (>= 2.0)', 'libc6 (>= 2.0)', { name: 'libc6', flags: 12, version: '2.0' }],
    ['foo (<< 2)', 'foo (<< 2)', { name: 'foo', flags: 2, version: '2' }],
    ['bar', 'bar', { name: 'bar', flags: 0, version: '' }],
    ['iptables | nftables', 'iptables | nftables', { name: '(iptables or nftables)', flags: 0, version: '' }],
  ])('%s', (text, deb, rpm) => {
    expect(debDependency(text)).toBe(deb);
    expect(rpmDependency(text)).toEqual(rpm);
  });
});

describe('fillTemplate', () => {
  it('fills arch, version and os', () => {
    expect(fillTemplate('_output/{version}/bin/{os}/{arch}/kubelet', { arch: 'arm64', version: 'v1.31.0', os: 'linux' })).toBe(
      '_output/v1.31.0/bin/linux/arm64/kubelet',
    );
  });
});

describe('version rules, each character', () => {
  it.each([
    [' v1.31.0 ', 'deb', '1.31.0'],
    ['vx1.0', 'deb', 'vx1.0'],
    ['1.0-v2', 'deb', '1.0-v2'],
    ['1.0-v2', 'rpm', '1.0~v2'],
    ['v1.0+a-b', 'rpm', '1.0~a~b'],
  ] as const)('mapVersion(%j, %s) → %s', (raw, format, expected) => {
    expect(mapVersion(raw, format)).toBe(expected);
  });

  it.each([
    ['0', '', undefined],
    ['1.0+b~c-d', 'a.b+c~9', undefined],
    ['2:1.0', '1', 'only letters'],
    ['a1.0', '1', 'a Debian version must start with a digit'],
    ['1.0_x', '1', 'a Debian version holds only letters, digits and . + ~ -'],
    ['1.0 ', '1', 'only letters'],
    [' 1.0', '1', 'start with a digit'],
    ['1.0-1', '', "a Debian version with '-' needs a release (the part after its last '-')"],
    ['1.0', '1_2', 'a Debian release holds only letters, digits and . + ~'],
    ['1.0', ' 1', 'release holds only'],
    ['1.0', '1 ', 'release holds only'],
  ])('deb %j release %j', (version, release, problem) => {
    const found = debVersionProblem(version, release);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it.each([
    ['1', '0', undefined],
    ['a1._+~^b', 'x._+~^9', undefined],
    ['1.0-1', '1', "an rpm version holds only letters, digits and . _ + ~ ^ (no '-')"],
    [' 1.0', '1', 'rpm version holds only'],
    ['1.0 ', '1', 'rpm version holds only'],
    ['', '1', 'rpm version holds only'],
    ['1.0', '1-2', "an rpm release holds only letters, digits and . _ + ~ ^ (no '-')"],
    ['1.0', ' 1', 'rpm release holds only'],
    ['1.0', '1 ', 'rpm release holds only'],
    ['abc', '1', 'an rpm version needs a digit'],
  ])('rpm %j release %j', (version, release, problem) => {
    const found = rpmVersionProblem(version, release);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('every architecture', () => {
  it('maps each GOARCH name to both formats', () => {
    expect(Object.fromEntries(KNOWN_ARCHES.map((a) => [a, [formatArch(a, 'deb'), formatArch(a, 'rpm')]]))).toEqual({
      amd64: ['amd64', 'x86_64'],
      arm64: ['arm64', 'aarch64'],
      ppc64le: ['ppc64el', 'ppc64le'],
      s390x: ['s390x', 's390x'],
      '386': ['i386', 'i386'],
      arm7: ['armhf', 'armv7hl'],
      arm6: ['armel', 'armv6hl'],
      riscv64: ['riscv64', 'riscv64'],
      all: ['all', 'noarch'],
    });
    expect(formatArch('toString', 'deb')).toBeUndefined();
  });
});

describe('channel and minor, edges', () => {
  it.each([
    ['1.0.0+build-5', 'stable', 'v1.0'],
    ['v1.0.0-rc.1+build', 'prerelease', 'v1.0'],
    [' v10.20.3 ', 'stable', 'v10.20'],
    ['1', 'stable', undefined],
    ['x1.2.3', 'stable', undefined],
    ['vv1.2', 'stable', undefined],
    ['1.x', 'stable', undefined],
  ])('%j', (version, channel, minor) => {
    expect(channelOf(version)).toBe(channel);
    expect(minorOf(version)).toBe(minor);
  });
});

describe('dependency strings, each operator', () => {
  it.each([
    ['a << 1', 'a (<< 1)', 2],
    ['a < 1', 'a (<< 1)', 2],
    ['a <= 1', 'a (<= 1)', 10],
    ['a = 1', 'a (= 1)', 8],
    ['a == 1', 'a (= 1)', 8],
    ['a >= 1', 'a (>= 1)', 12],
    ['a >> 1', 'a (>> 1)', 4],
    ['a > 1', 'a (>> 1)', 4],
    ['a(>=1)', 'a (>= 1)', 12],
    ['  a  (  >=  1.0-2  )  ', 'a (>= 1.0-2)', 12],
    ['a>=1', 'a (>= 1)', 12],
  ])('%j', (text, deb, flags) => {
    expect(debDependency(text)).toBe(deb);
    expect(rpmDependency(text)).toEqual({ name: 'a', flags, version: deb.replace(/^.* /, '').replace(')', '') });
  });

  it.each([
    ['  iptables | nftables (>= 1.0) ', 'iptables | nftables (>= 1.0)', '(iptables or nftables >= 1.0)'],
    ['a (<< 2) | b', 'a (<< 2) | b', '(a < 2 or b)'],
    ['a b | c', 'a b | c', '(a b or c)'],
    ['a >= ', 'a >=', '(a >=)'],
    ['a >= =', 'a >= =', '(a >= =)'],
  ])('%j is kept as written', (text, deb, rpmName) => {
    expect(debDependency(text)).toBe(deb);
    expect(rpmDependency(text)).toEqual({ name: rpmName, flags: 0, version: '' });
  });
});

describe('plan rules', () => {
  it('fills every placeholder, leaves others', () => {
    expect(fillTemplate('{os}/{arch}/{version}/{os}-{arch}/{name}', { arch: 'arm64', version: 'v1', os: 'linux' })).toBe(
      'linux/arm64/v1/linux-arm64/{name}',
    );
  });
  it.each([
    [{ '>=1.0.0': ['x'] }, 'v1.x', 'version v1.x is not semver, so no range can match it'],
    [{ '>=1.0.0': ['x'], '<1.0.0': ['y'] }, '0.0.1-rc.0', undefined],
    [{ '>=2.0.0': [], '<1.0.0': [] }, 'v1.5.0', 'no range matches version 1.5.0 (ranges: >=2.0.0; <1.0.0)'],
    [{ '>=2.0.0': [] }, '1.5.0-dev', 'no range matches version 1.5.0-dev (ranges: >=2.0.0)'],
    [{ '>=1.0.0': [], '<2.0.0': [] }, 'v1.5.0', 'version 1.5.0 matches 2 ranges (>=1.0.0; <2.0.0): exactly one must match'],
  ])('%j for %s', (table, version, problem) => {
    expect(dependenciesFor(table, version)).toEqual(problem ? { problem } : { deps: ['y'] });
  });
});
