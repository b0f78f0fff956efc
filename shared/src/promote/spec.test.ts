import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromotionSpecError } from './errors.ts';
import { inlineSpecs, parsePlainManifest, readManifests } from './spec.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

const REGISTRIES = `registries:
- name: gcr.io/k8s-staging-foo
  src: true
- name: us.gcr.io/k8s-artifacts-prod/foo
  service-account: sa@example.iam.gserviceaccount.com
- name: eu.gcr.io/k8s-artifacts-prod/foo
`;

const PLAIN = `${REGISTRIES}images:
- name: bar
  dmap:
    "${A}": ["v1.0.0", "latest"]
    "${B}": []
`;

function error(fn: () => unknown): PromotionSpecError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PromotionSpecError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('kpromo manifests', () => {
  it('a plain manifest: one spec per image digest, every destination', () => {
    expect(parsePlainManifest('promoter-manifest.yaml', PLAIN)).toEqual([
      {
        image: 'bar',
        source: 'gcr.io/k8s-staging-foo/bar',
        digest: A,
        tags: ['v1.0.0', 'latest'],
        destinations: ['us.gcr.io/k8s-artifacts-prod/foo/bar', 'eu.gcr.io/k8s-artifacts-prod/foo/bar'],
        origin: 'promoter-manifest.yaml',
      },
      expect.objectContaining({ digest: B, tags: [] }),
    ]);
  });

  it.each([
    ['malformed YAML', `${REGISTRIES}images:\n- name: bar\n  dmap: {"${A}": [v1]\n`, 'yaml', undefined],
    ['two src: true', PLAIN.replace('- name: eu.gcr.io', '- src: true\n  name: eu.gcr.io'), 'registries.src', 6],
    ['a bad digest', PLAIN.replace(`"${A}"`, '"sha256:1234"'), 'images[0].dmap', 10],
    ['a bad tag', PLAIN.replace('"latest"', '"-latest"'), `images[0].dmap.${A}`, 10],
    ['an unknown key', PLAIN.replace('  dmap:', '  tags: [v1]\n  dmap:'), 'images[0].tags', 9],
    ['an unknown registry key', PLAIN.replace('  src: true', '  src: true\n  region: eu'), 'registries[0].region', 4],
  ])('%s: names file, field and line', (_name, text, field, line) => {
    const err = error(() => parsePlainManifest('m/promoter-manifest.yaml', text));
    expect(err.file).toBe('m/promoter-manifest.yaml');
    expect(err.field).toBe(field);
    if (line !== undefined) expect(err.message).toContain(`m/promoter-manifest.yaml:${line}:`);
    if (field.startsWith('images')) expect(err.message).toMatch(/image bar|images\[0\]/);
  });

  it('a thin tree: manifests/<sub>/promoter-manifest.yaml with images/<sub>/images.yaml', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'thin-'));
    try {
      await mkdir(path.join(dir, 'manifests', 'foo'), { recursive: true });
      await mkdir(path.join(dir, 'images', 'foo'), { recursive: true });
      await writeFile(path.join(dir, 'manifests', 'foo', 'promoter-manifest.yaml'), REGISTRIES);
      await writeFile(path.join(dir, 'images', 'foo', 'images.yaml'), `- name: bar\n  dmap:\n    "${A}": ["v1"]\n`);
      const specs = await readManifests(['k8s.gcr.io'], () => dir);
      expect(specs).toEqual([
        expect.objectContaining({ image: 'bar', digest: A, tags: ['v1'], origin: 'k8s.gcr.io/images/foo/images.yaml' }),
      ]);
      await writeFile(path.join(dir, 'images', 'foo', 'images.yaml'), `- name: bar\n  dmap:\n    "${A}": ["v1", "x/y"]\n`);
      const err = await readManifests(['k8s.gcr.io'], () => dir).catch((e: PromotionSpecError) => e);
      expect(err).toBeInstanceOf(PromotionSpecError);
      expect((err as PromotionSpecError).file).toBe('k8s.gcr.io/images/foo/images.yaml');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('inline inputs', () => {
  it('each image to <destination>/<name>, with the tags', () => {
    expect(inlineSpecs([`staging.io/team/app@${A}`], ['prod.io/release', 'oci:out'], ['v1'])).toEqual([
      {
        image: 'app',
        source: 'staging.io/team/app',
        digest: A,
        tags: ['v1'],
        destinations: ['prod.io/release/app', 'oci:out/app'],
        origin: 'images',
      },
    ]);
  });
  it.each([
    [['staging.io/app:v1'], ['prod.io/x'], [], 'images'],
    [[`staging.io/app@${A}`], ['prod.io/x:v1'], [], 'destinations'],
    [[`staging.io/app@${A}`], ['prod.io/x'], ['bad tag'], 'tags'],
  ])('refuses %j → %j', (images, destinations, tags, field) => {
    expect(error(() => inlineSpecs(images, destinations, tags)).field).toBe(field);
  });
});
