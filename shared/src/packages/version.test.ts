import { describe, expect, it } from 'vitest';
import { debDependency, rpmDependency } from './depends.ts';
import { dependenciesFor, fillTemplate } from './plan.ts';
import { channelOf, debVersionProblem, formatArch, mapVersion, minorOf, rpmVersionProblem } from './version.ts';

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
