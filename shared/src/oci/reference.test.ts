import { describe, expect, it } from 'vitest';
import { parseChallenge, parseDockerConfig } from './auth.ts';
import { formatReference, parseReference } from './reference.ts';

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
