import { describe, expect, it } from 'vitest';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import { commonFolder } from './listing.ts';

describe('layout', () => {
  it('maps the kubernetes layout like dl.k8s.io', () => {
    expect(keyFor(parseLayout('kubernetes'), 'v1.31.2', 'bin/linux/amd64/kubectl')).toBe(
      'release/v1.31.2/bin/linux/amd64/kubectl',
    );
    expect(keyFor(parseLayout(''), 'v1.31.2', 'SHA256SUMS')).toBe('release/v1.31.2/SHA256SUMS');
  });
  it('accepts templates with {path} last and refuses others, naming the input', () => {
    expect(keyFor(parseLayout('/x/{version}/{path}'.slice(1)), 'v1.0.0', 'a/b')).toBe('x/v1.0.0/a/b');
    // A file name is taken as it is, `$` included.
    expect(keyFor(parseLayout('kubernetes'), 'v1.0.0', "bin/a$&b$'c")).toBe("release/v1.0.0/bin/a$&b$'c");
    for (const bad of [
      '{version}',
      '{path}/{version}',
      'a/{arch}/{path}',
      '/abs/{path}',
      '../{path}',
      './k8s/{version}/{path}',
      '{path}',
      'k8s/{path}',
      'k8s/{version}{path}',
      'k8s/v{version}-{path}',
      '{version}/{path}/{path}',
    ]) {
      expect(() => parseLayout(bad)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', input: 'layout' }));
    }
  });
});

describe('contentTypeFor', () => {
  it('detects types by name', () => {
    expect(contentTypeFor('kubernetes-server-linux-amd64.tar.gz')).toBe('application/gzip');
    expect(contentTypeFor('bin/linux/amd64/kubectl')).toBe('application/octet-stream');
    expect(contentTypeFor('bin/linux/amd64/kubectl.sha256')).toMatch(/^text\/plain/);
    expect(contentTypeFor('SHA512SUMS')).toMatch(/^text\/plain/);
    expect(contentTypeFor('kubernetes-release.spdx.json')).toBe('application/json');
    expect(contentTypeFor('bin/linux/amd64/kubectl.cert')).toBe('application/x-pem-file');
  });
});

describe('commonFolder', () => {
  it('finds the folder every key shares', () => {
    expect(commonFolder(['release/v1/bin/a', 'release/v1/SHA256SUMS', 'release/v1/bin/b'])).toBe('release/v1');
    expect(commonFolder(['release/v1/x/a', 'release/v1/x/b'])).toBe('release/v1/x');
    expect(commonFolder(['bin/a', 'SHA256SUMS'])).toBe('');
    expect(commonFolder(['release/v1/a', 'release/v10/a'])).toBe('release');
    expect(commonFolder([])).toBe('');
  });
});
