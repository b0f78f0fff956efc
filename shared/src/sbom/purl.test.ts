import { describe, expect, it } from 'vitest';
import { golangPurl, purl } from './purl.ts';
import { uuidV5 } from './uuid.ts';

describe('purl', () => {
  it.each([
    ['a bare name', 'generic', 'kubectl', {}, 'pkg:generic/kubectl'],
    ['a version', 'generic', 'kubectl', { version: 'v1.31.0' }, 'pkg:generic/kubectl@v1.31.0'],
    ['an empty version is none', 'generic', 'kubectl', { version: '' }, 'pkg:generic/kubectl'],
    ['a version escaped', 'deb', 'kubelet', { version: '1.31.0-1.1+b1' }, 'pkg:deb/kubelet@1.31.0-1.1%2Bb1'],
    ['a name escaped', 'generic', 'a b@c', {}, 'pkg:generic/a%20b%40c'],
    ['a namespace, each segment escaped', 'oci', 'x', { namespace: 'a b/c@d' }, 'pkg:oci/a%20b/c%40d/x'],
    ['an empty namespace is none', 'oci', 'x', { namespace: '' }, 'pkg:oci/x'],
    [
      'qualifiers sorted by key, empty and undefined ones left out',
      'deb',
      'kubelet',
      { version: '1.0', qualifiers: { distro: 'debian-12', arch: 'amd64', zz: '1', empty: '', none: undefined, b: '2' } },
      'pkg:deb/kubelet@1.0?arch=amd64&b=2&distro=debian-12&zz=1',
    ],
    [
      "qualifier values keep ':' and '/', escape the rest",
      'oci',
      'debian',
      { qualifiers: { repository_url: 'docker.io/library/debian', tag: 'a:b:c', x: 'p q&r=s/t%' } },
      'pkg:oci/debian?repository_url=docker.io/library/debian&tag=a:b:c&x=p%20q%26r%3Ds/t%25',
    ],
    ['no qualifiers left, no question mark', 'generic', 'x', { qualifiers: { a: '' } }, 'pkg:generic/x'],
  ] as const)('%s', (_, type, name, options, expected) => {
    expect(purl(type, name, options)).toBe(expected);
  });

  it('sorts qualifiers the same whatever their order, by code unit', () => {
    const keys = ['d', 'B', 'a', 'c', 'A', 'b', 'e'];
    for (const order of [keys, [...keys].reverse(), [...keys].sort()]) {
      const qualifiers = Object.fromEntries(order.map((k) => [k, k]));
      expect(purl('generic', 'x', { qualifiers })).toBe('pkg:generic/x?A=A&B=B&a=a&b=b&c=c&d=d&e=e');
    }
  });
});

describe('golangPurl', () => {
  it.each([
    ['github.com/spf13/cobra', 'v1.8.0', 'pkg:golang/github.com/spf13/cobra@v1.8.0'],
    ['k8s.io/kubernetes', 'v1.31.0', 'pkg:golang/k8s.io/kubernetes@v1.31.0'],
    ['stdlib', 'go1.22.5', 'pkg:golang/stdlib@go1.22.5'],
    ['example.com/cmd/tool', '(devel)', 'pkg:golang/example.com/cmd/tool'],
    ['example.com/m', '', 'pkg:golang/example.com/m'],
    [
      'example.com/m',
      'v0.0.0-20240101000000-abcdef123456+incompatible',
      'pkg:golang/example.com/m@v0.0.0-20240101000000-abcdef123456%2Bincompatible',
    ],
  ])('%s %s → %s', (path, version, expected) => {
    expect(golangPurl(path, version)).toBe(expected);
  });
});

describe('uuidV5', () => {
  // The values of Python's uuid.uuid5(uuid.NAMESPACE_URL / NAMESPACE_DNS, name).
  it.each([
    ['http://python.org/', undefined, '4c565f0d-3f5a-5890-b41b-20cf47701c5e'],
    ['https://example.com/sbom/kubernetes-v1.31.0', undefined, '0aa2b3a4-852d-558a-ab29-72958e125dd5'],
    ['', undefined, '1b4db7eb-4057-5ddf-91e0-36dec72071f5'],
    ['python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
  ])('%j in %s → %s', (name, namespace, expected) => {
    expect(uuidV5(name, namespace)).toBe(expected);
  });
});
