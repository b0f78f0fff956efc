import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Inventory, SbomNode } from './model.ts';
import { spdxSchemaErrors } from './sbom-validate.fixture.ts';
import { type SpdxDocument, writeSpdx } from './spdx.ts';

const sha = (alg: string, text: string) => createHash(alg).update(text).digest('hex');
const checksums = (text: string) => ({ sha1: sha('sha1', text), sha256: sha('sha256', text), sha512: sha('sha512', text) });
const node = (kind: SbomNode['kind'], name: string, more: Partial<SbomNode> = {}): SbomNode => ({
  id: `${kind}:${name}`,
  kind,
  name,
  properties: [],
  contains: [],
  ...more,
});
const meta = { toolName: 'test', toolVersion: '1', created: new Date('2026-01-02T03:04:05Z'), namespace: 'https://sbom.k8s.io' };
const write = (nodes: SbomNode[]): SpdxDocument =>
  JSON.parse(writeSpdx({ name: 'rel', version: 'v1', nodes, dependsOn: new Map() } satisfies Inventory, meta));

describe('writeSpdx', () => {
  const members = ['a', 'b'].map((m) => node('archive-member', m, { fileName: m, checksums: checksums(m) }));
  const tarball = node('file', 'k.tar', { fileName: 'k.tar', checksums: checksums('tar'), contains: members });
  const deb = node('file', 'hello.deb', {
    fileName: 'hello.deb',
    checksums: checksums('deb'),
    contains: [node('deb', 'hello', { version: '1.0' })],
  });

  // SPDX 2.3 §7.8: a package whose files were not analysed contains none; §7.9: the code is the SHA-1 of its files'
  // SHA-1s, sorted and concatenated.
  it('a package that CONTAINS files says they were analysed, with its verification code', () => {
    const doc = write([deb, tarball]);
    expect(spdxSchemaErrors(doc)).toEqual([]);
    const files = new Set(doc.files.map((f) => f.SPDXID));
    for (const p of doc.packages) {
      const contained = doc.relationships.filter(
        (r) => r.spdxElementId === p.SPDXID && r.relationshipType === 'CONTAINS' && files.has(r.relatedSpdxElement),
      );
      expect(p.filesAnalyzed).toBe(contained.length > 0);
    }
    const code = (name: string) => doc.packages.find((p) => p.name === name)?.packageVerificationCode;
    const tarSums = [sha('sha1', 'tar'), sha('sha1', 'a'), sha('sha1', 'b')].sort();
    expect(code('k.tar')).toEqual({ packageVerificationCodeValue: sha('sha1', tarSums.join('')) });
    expect(code('hello.deb')).toEqual({ packageVerificationCodeValue: sha('sha1', sha('sha1', 'deb')) });
    expect(code('hello')).toBeUndefined();
  });

  // SPDX 2.3 §7.7: a download location is a URL, NONE or NOASSERTION; registry/repository@digest is none of them.
  it('an image is downloaded from NOASSERTION', () => {
    const digest = `sha256:${sha('sha256', 'manifest')}`;
    const image = node('image', 'registry.k8s.io/pause', {
      version: digest,
      checksums: { sha256: digest.slice(7) },
      image: { registry: 'registry.k8s.io', repository: 'pause', digest },
    });
    const doc = write([image]);
    expect(spdxSchemaErrors(doc)).toEqual([]);
    expect(doc.packages.map((p) => p.downloadLocation)).toEqual(['NOASSERTION']);
  });
});
