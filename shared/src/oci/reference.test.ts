import { describe, expect, it } from 'vitest';
import { parseChallenge, parseDockerConfig } from './auth.ts';
import { DIGEST_PATTERN, formatReference, parseReference, repositoryName, TAG_PATTERN, withReference } from './reference.ts';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['registry.k8s.io/pause:3.10', { kind: 'registry', registry: 'registry.k8s.io', repository: 'pause', tag: '3.10' }],
    [`127.0.0.1:5000/a/b@${D}`, { kind: 'registry', registry: '127.0.0.1:5000', repository: 'a/b', digest: D }],
    [`localhost/x:v1@${D}`, { kind: 'registry', registry: 'localhost', repository: 'x', tag: 'v1', digest: D }],
    ['busybox', { kind: 'registry', registry: 'docker.io', repository: 'library/busybox' }],
    ['team/app:1', { kind: 'registry', registry: 'docker.io', repository: 'team/app', tag: '1' }],
    ['oci:out/images', { kind: 'layout', path: 'out/images' }],
    ['oci:out/images:v1.2', { kind: 'layout', path: 'out/images', tag: 'v1.2' }],
    [`oci:/abs/dir@${D}`, { kind: 'layout', path: '/abs/dir', digest: D }],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it.each([
    ['registry.k8s.io/Pause:1', 'lower-case'],
    ['r.io/a@sha256:abc', 'digest'],
    ['r.io/a:-bad', 'tag'],
    ['oci:', 'folder'],
  ])('refuses %s', (text, problem) => {
    expect(() => parseReference(text)).toThrow(problem);
  });

  it('formats back what it parsed', () => {
    expect(formatReference(parseReference(`r.io/a/b:t@${D}`))).toBe(`r.io/a/b:t@${D}`);
  });
});

describe('credentials and challenges', () => {
  it('reads auth, username/password and identity tokens, keyed by host', () => {
    const config = JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('u:p:q').toString('base64') },
        'r.io': { username: 'a', password: 'b' },
        'gcr.io': { identitytoken: 't' },
      },
    });
    const map = parseDockerConfig(config, 'x');
    expect(map.get('docker.io')).toEqual({ username: 'u', password: 'p:q' });
    expect(map.get('r.io')).toEqual({ username: 'a', password: 'b' });
    expect(map.get('gcr.io')).toEqual({ identityToken: 't' });
    expect(() => parseDockerConfig('{', 'registry-credentials')).toThrow('registry-credentials');
  });

  it('parses Bearer and Basic challenges', () => {
    expect(parseChallenge('Bearer realm="https://a/token",service="reg",scope="repository:x:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://a/token', service: 'reg', scope: 'repository:x:pull,push' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')?.scheme).toBe('basic');
  });
});

describe('tag, digest and repository rules', () => {
  const hex = (n: number) => 'a'.repeat(n);
  it.each([
    [`sha256:${hex(64)}`, true],
    [`sha256:${'0123456789abcdef'.repeat(4)}`, true],
    [`sha256:${hex(63)}`, false],
    [`sha256:${hex(65)}`, false],
    [`sha256:${'A'.repeat(64)}`, false],
    [`sha256:${hex(63)}g`, false],
    [`sha512:${hex(64)}`, false],
    [`xsha256:${hex(64)}`, false],
  ])('digest %s: %s', (digest, ok) => {
    expect(DIGEST_PATTERN.test(digest)).toBe(ok);
    const parse = () => parseReference(`r.io/a@${digest}`);
    if (ok) expect(parse()).toStrictEqual({ kind: 'registry', registry: 'r.io', repository: 'a', digest });
    else expect(parse).toThrow(`"r.io/a@${digest}" is not an image reference: the digest must match ^sha256:[0-9a-f]{64}$`);
  });

  it.each([
    ['v1.31.0', true],
    ['_x', true],
    ['1', true],
    ['A-b_c.D', true],
    [`v${'x'.repeat(127)}`, true],
    [`v${'x'.repeat(128)}`, false],
    ['.v1', false],
    ['-v1', false],
    ['', false],
    ['v 1', false],
    ['v1+b', false],
  ])('tag %j: %s', (tag, ok) => {
    expect(TAG_PATTERN.test(tag)).toBe(ok);
    const parse = () => parseReference(`r.io/a:${tag}`);
    if (ok) expect(parse()).toStrictEqual({ kind: 'registry', registry: 'r.io', repository: 'a', tag });
    else expect(parse).toThrow(/the tag must match \^\\w\[\\w\.-\]\{0,127\}\$|lower-case/);
  });

  it.each([
    ['a/b/c', true],
    ['a.b', true],
    ['a_b', true],
    ['a__b', true],
    ['a---b', true],
    ['a0/9z', true],
    ['x/a.bc', true],
    ['x/a_b', true],
    ['x/a--b', true],
    ['x/a__b9', true],
    ['x/a___b', false],
    ['x/a-', false],
    ['a___b', false],
    ['a..b', false],
    ['a._b', false],
    ['-a', false],
    ['a-', false],
    ['a//b', false],
    ['a/', false],
    ['Ab', false],
    ['a b', false],
  ])('repository r.io/%s: %s', (repository, ok) => {
    const parse = () => parseReference(`r.io/${repository}`);
    if (ok) expect(parse()).toStrictEqual({ kind: 'registry', registry: 'r.io', repository });
    else
      expect(parse).toThrow(
        `"r.io/${repository}" is not an image reference: the repository must be lower-case path components (a-z, 0-9, separators . _ -)`,
      );
  });

  it.each([
    ['  busybox\t', { registry: 'docker.io', repository: 'library/busybox' }],
    ['docker.io/busybox', { registry: 'docker.io', repository: 'library/busybox' }],
    ['docker.io/team/app', { registry: 'docker.io', repository: 'team/app' }],
    ['r.io/busybox', { registry: 'r.io', repository: 'busybox' }],
    ['my-host/app', { registry: 'docker.io', repository: 'my-host/app' }],
    ['host:5000/app:v1', { registry: 'host:5000', repository: 'app', tag: 'v1' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhostx/app', { registry: 'docker.io', repository: 'localhostx/app' }],
    ['localhost:5000/a/b', { registry: 'localhost:5000', repository: 'a/b' }],
    ['a.b', { registry: 'docker.io', repository: 'library/a.b' }],
    ['localhost', { registry: 'docker.io', repository: 'library/localhost' }],
  ])('%j: registry and repository', (text, expected) => {
    expect(parseReference(text)).toStrictEqual({ kind: 'registry', ...expected });
  });

  it.each([
    ['oci:out', { path: 'out' }],
    ['oci:out/a:b/c', { path: 'out/a:b/c' }],
    ['oci:out:v1', { path: 'out', tag: 'v1' }],
    [`oci:out@${D}`, { path: 'out', digest: D }],
    [`oci:./x/y:v1@${D}`, { path: './x/y', tag: 'v1', digest: D }],
  ])('%s: a layout', (text, expected) => {
    expect(parseReference(text)).toStrictEqual({ kind: 'layout', ...expected });
  });

  it.each([
    ['oci::v1', 'oci: needs a folder'],
    [`oci:@${D}`, 'oci: needs a folder'],
    ['oci:x:-v', 'the tag must match'],
    ['oci:x@sha256:1', 'the digest must match'],
  ])('refuses %s', (text, problem) => {
    expect(() => parseReference(text)).toThrow(`${JSON.stringify(text)} is not an image reference: ${problem}`);
    try {
      parseReference(text);
    } catch (err) {
      expect(err).toMatchObject({ name: 'InvalidReferenceError', code: 'INPUT_INVALID', userError: true });
    }
  });

  it('a pattern holds the whole string, a trailing newline included', () => {
    expect(DIGEST_PATTERN.test(`${D}\n`)).toBe(false);
    expect(TAG_PATTERN.test('v1\n')).toBe(false);
  });

  it('writes references back, and replaces a tag or digest', () => {
    expect(repositoryName(parseReference('oci:out/x:v1'))).toBe('oci:out/x');
    expect(repositoryName(parseReference('busybox:1'))).toBe('docker.io/library/busybox');
    expect(formatReference(parseReference('oci:out/x'))).toBe('oci:out/x');
    expect(formatReference(parseReference(`oci:out/x:v1@${D}`))).toBe(`oci:out/x:v1@${D}`);
    expect(formatReference(parseReference(`r.io/a@${D}`))).toBe(`r.io/a@${D}`);
    expect(formatReference(parseReference('r.io/a:t'))).toBe('r.io/a:t');
    const ref = parseReference(`r.io/a:t@${D}`);
    expect(withReference(ref, { tag: 'v2' })).toStrictEqual({ kind: 'registry', registry: 'r.io', repository: 'a', tag: 'v2' });
    expect(withReference(ref, { digest: D })).toStrictEqual({ kind: 'registry', registry: 'r.io', repository: 'a', digest: D });
    expect(ref).toStrictEqual({ kind: 'registry', registry: 'r.io', repository: 'a', tag: 't', digest: D });
  });
});
