import { describe, expect, it } from 'vitest';
import { compareVersions, parseVersion } from './version.ts';

const must = (text: string) => {
  const v = parseVersion(text);
  if (!v) throw new Error(`test version ${text} does not parse`);
  return v;
};

describe('parseVersion', () => {
  it.each([
    ['v1.31.2', { major: 1, minor: 31, patch: 2, pre: [], build: [] }],
    ['v1.32.0-rc.0', { major: 1, minor: 32, patch: 0, pre: ['rc', 0], build: [] }],
    ['v1.30.0-rc.2.10+00000000000000', { major: 1, minor: 30, patch: 0, pre: ['rc', 2, 10], build: ['00000000000000'] }],
    ['v1.33.0-alpha.1.66+d19aec8bf1c8ca', { major: 1, minor: 33, patch: 0, pre: ['alpha', 1, 66], build: ['d19aec8bf1c8ca'] }],
    ['v1.30.0-11+abc', { major: 1, minor: 30, patch: 0, pre: [11], build: ['abc'] }],
    ['v0.0.0-0a.x-y', { major: 0, minor: 0, patch: 0, pre: ['0a', 'x-y'], build: [] }],
  ])('%s', (text, expected) => {
    expect(parseVersion(text, { requireV: true })).toEqual({ ...expected, text });
  });

  it('reads marker content without a v, as Kubernetes does, and writes it back with one', () => {
    expect(parseVersion('1.31.2')?.text).toBe('v1.31.2');
    expect(parseVersion('1.31.2', { requireV: true })).toBeUndefined();
  });

  it.each([
    '',
    'v1.31',
    'v1.31.2.4',
    '1.31.2 ',
    'v01.31.2',
    'v1.31.02',
    'v1.31.2-rc.01',
    'v1.31.2-',
    'v1.31.2-rc..1',
    'v1.31.2+',
    'v1.31.2+a..b',
    'v1.31.2-rc_1',
    'V1.31.2',
    'vv1.31.2',
    'v99999999999999999999.0.0',
    'stable',
  ])('rejects %j', (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });
});

describe('compareVersions (SemVer precedence)', () => {
  // semver.org §11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0
  const ordered = [
    'v1.0.0-alpha',
    'v1.0.0-alpha.1',
    'v1.0.0-alpha.beta',
    'v1.0.0-beta',
    'v1.0.0-beta.2',
    'v1.0.0-beta.11',
    'v1.0.0-rc.1',
    'v1.0.0',
    'v1.0.1-0',
    'v1.0.1',
    'v1.2.0',
    'v1.10.0',
    'v2.0.0',
  ];
  it('orders the SemVer specification example and core numbers numerically', () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const c = compareVersions(must(ordered[i] as string), must(ordered[j] as string));
        expect(Math.sign(c), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
      }
    }
  });

  it('ignores build metadata', () => {
    expect(compareVersions(must('v1.30.0-11+aaaa'), must('v1.30.0-11+bbbb'))).toBe(0);
  });
});
