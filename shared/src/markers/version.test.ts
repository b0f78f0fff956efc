import { describe, expect, it } from 'vitest';
import { checkVersionLength, compareCore, compareVersions, MAX_VERSION_LENGTH, parseVersion } from './version.ts';

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
    // An identifier with a letter is a string, however many digits it holds.
    ['v1.0.0-rc1', { major: 1, minor: 0, patch: 0, pre: ['rc1'], build: [] }],
    ['v1.0.0-1rc.01a', { major: 1, minor: 0, patch: 0, pre: ['1rc', '01a'], build: [] }],
    ['v1.0.0-0', { major: 1, minor: 0, patch: 0, pre: [0], build: [] }],
    ['v1.0.0+001.x-y', { major: 1, minor: 0, patch: 0, pre: [], build: ['001', 'x-y'] }],
    [
      'v9007199254740991.9007199254740991.9007199254740991-9007199254740991',
      { major: 2 ** 53 - 1, minor: 2 ** 53 - 1, patch: 2 ** 53 - 1, pre: [2 ** 53 - 1], build: [] },
    ],
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
    'v9007199254740992.0.0',
    'v1.9007199254740992.0',
    'v1.0.9007199254740992',
    'v1.0.0-rc.9007199254740992',
    'v1.0.0-99999999999999999999',
    ' v1.31.2',
    'v1.31.2\n',
    'xv1.31.2',
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

  it.each([
    ['v1.0.0-rc1', 'v1.0.0-rc.1', 1],
    ['v1.0.0-rc1', 'v1.0.0-99', 1],
    ['v1.0.0-rc10', 'v1.0.0-rc9', -1],
    ['v1.0.0-2', 'v1.0.0-10', -1],
    ['v1.0.0-a.b', 'v1.0.0-a', 1],
    ['v1.0.0-a', 'v1.0.0-b', -1],
    ['v1.0.0-b', 'v1.0.0-a', 1],
    ['v2.0.0-0', 'v1.9.9', 1],
    ['v1.2.0', 'v1.10.0', -1],
    ['v1.0.2', 'v1.0.10', -1],
  ])('%s against %s: %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(must(a), must(b)))).toBe(sign);
    expect(Math.sign(compareVersions(must(b), must(a)))).toBe(-sign);
  });

  it('compares MAJOR.MINOR.PATCH only with compareCore', () => {
    expect(compareCore(must('v1.2.3-rc.0'), must('v1.2.3'))).toBe(0);
    expect(compareCore(must('v1.2.3'), must('v1.2.4-0'))).toBe(-1);
    expect(compareCore(must('v1.3.0'), must('v1.2.9'))).toBe(1);
    expect(compareCore(must('v2.0.0'), must('v1.9.9'))).toBe(1);
  });

  it('ignores build metadata', () => {
    expect(compareVersions(must('v1.30.0-11+aaaa'), must('v1.30.0-11+bbbb'))).toBe(0);
  });
});

describe('checkVersionLength', () => {
  it('takes a version of up to 128 characters (it names a folder), refuses a longer one naming the input', () => {
    expect(MAX_VERSION_LENGTH).toBe(128);
    const at = `v1.0.0-${'a'.repeat(121)}`;
    expect(at).toHaveLength(128);
    expect(() => checkVersionLength('version', at)).not.toThrow();
    expect(() => checkVersionLength('version', `${at}b`)).toThrow(
      expect.objectContaining({
        name: 'InputError',
        input: 'version',
        message: "Input 'version': is 129 characters long; a version names a folder: at most 128",
      }),
    );
  });
});
