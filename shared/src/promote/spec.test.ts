import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromotionSpecError } from './errors.ts';
import { inlineSpecs, parsePlainManifest, parseThinManifest, readManifests } from './spec.ts';

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

describe('kpromo manifest rules', () => {
  const R = 'registries:\n- name: gcr.io/s\n  src: true\n- name: us.gcr.io/p\n';
  it('a manifest without images, or a thin tree whose images.yaml is empty, promotes nothing', () => {
    expect(parsePlainManifest('m.yaml', R)).toEqual([]);
    expect(parseThinManifest('m.yaml', R, 'images.yaml', '')).toEqual([]);
  });
  const image = (dmap: string) => `${R}images:\n- name: bar\n  dmap:\n${dmap}`;
  it.each([
    ['a list at the top', '- a\n', 'manifest', 'm.yaml:1: manifest: expected a mapping'],
    ['an empty file', '', 'manifest', 'm.yaml: manifest: expected a mapping'],
    ['a key twice', `${R}${R}`, 'yaml', 'm.yaml:5: yaml: malformed YAML: Map keys must be unique at line 5, column 1:'],
    ['registries not a list', 'registries: x\n', 'registries', 'm.yaml:1: registries: expected a non-empty list of registries'],
    ['no registries', 'registries: []\n', 'registries', 'm.yaml:1: registries: expected a non-empty list of registries'],
    ['a registry not a mapping', 'registries:\n- gcr.io/s\n', 'registries[0]', 'm.yaml:2: registries[0]: expected a mapping'],
    [
      'an unknown registry key',
      'registries:\n- name: gcr.io/s\n  region: eu\n',
      'registries[0].region',
      'm.yaml:3: registries[0].region: unknown key (expected name, src, service-account)',
    ],
    ['a registry without name', 'registries:\n- src: true\n', 'registries[0].name', 'm.yaml:2: registries[0].name: is required'],
    [
      'a number for a name',
      'registries:\n- name: 12\n  src: true\n',
      'registries[0].name',
      'm.yaml:2: registries[0].name: expected a non-empty string',
    ],
    [
      'an empty name',
      'registries:\n- name: ""\n  src: true\n',
      'registries[0].name',
      'm.yaml:2: registries[0].name: expected a non-empty string',
    ],
    [
      'a string for src',
      'registries:\n- name: gcr.io/s\n  src: "true"\n',
      'registries[0].src',
      'm.yaml:3: registries[0].src: expected true or false',
    ],
    [
      'a number for the service account',
      'registries:\n- name: gcr.io/s\n  src: true\n  service-account: 3\n',
      'registries[0].service-account',
      'm.yaml:4: registries[0].service-account: expected a non-empty string',
    ],
    [
      'an upper-case repository',
      'registries:\n- name: gcr.io/S\n  src: true\n',
      'registries[0].name',
      'm.yaml:2: registries[0].name: "gcr.io/S" is not an image reference: the repository must be lower-case',
    ],
    [
      'no src: true',
      'registries:\n- name: gcr.io/s\n- name: gcr.io/d\n  src: false\n',
      'registries.src',
      'm.yaml:2: registries.src: exactly one registry must have src: true, found 0',
    ],
    ['images not a list', `${R}images: {}\n`, 'images', 'm.yaml:5: images: expected a list of images'],
    ['an image without name', `${R}images:\n- dmap: {}\n`, 'images[0].name', 'm.yaml:6: images[0].name: is required'],
    [
      'an upper-case image name',
      `${R}images:\n- name: Bar\n  dmap: {}\n`,
      'images[0].name',
      'm.yaml:6: images[0].name: must be lower-case path components (a-z, 0-9, separators . _ -)',
    ],
    [
      'an image name leaving its folder',
      `${R}images:\n- name: ../../etc\n  dmap: {}\n`,
      'images[0].name',
      'm.yaml:6: images[0].name: must be lower-case path components (a-z, 0-9, separators . _ -)',
    ],
    [
      'a registry with a tag',
      'registries:\n- name: gcr.io/s:latest\n  src: true\n',
      'registries[0].name',
      'm.yaml:2: registries[0].name: "gcr.io/s:latest" is a repository prefix: no tag or digest',
    ],
    [
      'an image key unknown',
      `${R}images:\n- name: bar\n  tags: [v1]\n`,
      'images[0].tags',
      'm.yaml:7: images[0].tags: unknown key (expected name, dmap)',
    ],
    [
      'no dmap',
      `${R}images:\n- name: bar\n`,
      'images[0].dmap',
      'm.yaml:6: image bar: images[0].dmap: expected a mapping of digest to tags',
    ],
    [
      'a list for dmap',
      `${R}images:\n- name: bar\n  dmap: [a]\n`,
      'images[0].dmap',
      'm.yaml:7: image bar: images[0].dmap: expected a mapping of digest to tags',
    ],
    [
      'a digest that is no string',
      image('    [a]: [v1]\n'),
      'images[0].dmap',
      'm.yaml:8: image bar: images[0].dmap: digest "" must match ^sha256:[0-9a-f]{64}$',
    ],
    [
      'a digest of upper-case hex',
      image(`    "sha256:${'A'.repeat(64)}": [v1]\n`),
      'images[0].dmap',
      'must match ^sha256:[0-9a-f]{64}$',
    ],
    [
      'one tag for tags',
      image(`    "${A}": v1\n`),
      `images[0].dmap.${A}`,
      `m.yaml:8: image bar: images[0].dmap.${A}: expected a list of tags`,
    ],
    [
      'a mapping for tags',
      image(`    "${A}": {a: 1}\n`),
      `images[0].dmap.${A}`,
      `m.yaml:8: image bar: images[0].dmap.${A}: expected a list of tags`,
    ],
    [
      'a list in the tags',
      image(`    "${A}": [[v1]]\n`),
      `images[0].dmap.${A}`,
      `m.yaml:8: image bar: images[0].dmap.${A}: tag "" must match ^\\w[\\w.-]{0,127}$`,
    ],
    ['a tag of 129 characters', image(`    "${A}": [${'v'.repeat(129)}]\n`), `images[0].dmap.${A}`, 'must match'],
  ])('%s: the message names file, line, image and field', (_name, text, field, message) => {
    const err = error(() => parsePlainManifest('m.yaml', text));
    expect(err.file).toBe('m.yaml');
    expect(err.field).toBe(field);
    expect(err.message).toContain(message);
    expect(err.userError).toBe(true);
  });

  it('a manifest of registries only promotes nothing; src: false is a destination', () => {
    expect(parsePlainManifest('m.yaml', R)).toEqual([]);
    const text = `registries:\n- name: gcr.io/d\n  src: false\n- name: gcr.io/s\n  src: true\nimages:\n- name: bar\n  dmap:\n    "${A}": [${'v'.repeat(128)}]\n`;
    expect(parsePlainManifest('m.yaml', text)).toEqual([
      {
        image: 'bar',
        source: 'gcr.io/s/bar',
        digest: A,
        tags: ['v'.repeat(128)],
        destinations: ['gcr.io/d/bar'],
        origin: 'm.yaml',
      },
    ]);
  });

  it.each([
    ['an empty value', `    "${A}":\n`],
    ['a null', `    "${A}": ~\n`],
    ['a key without value', `    ? "${A}"\n`],
    ['an empty list', `    "${A}": []\n`],
  ])('a digest with %s has no tags', (_name, dmap) => {
    expect(parsePlainManifest('m.yaml', image(dmap)).map((s) => [s.digest, s.tags])).toEqual([[A, []]]);
  });

  it('several images and digests keep their order', () => {
    const text = `${R}images:\n- name: a\n  dmap:\n    "${B}": [v2]\n    "${A}": [v1]\n- name: b\n  dmap:\n    "${A}": []\n`;
    expect(parsePlainManifest('m.yaml', text).map((s) => [s.image, s.source, s.digest, s.tags, s.destinations])).toEqual([
      ['a', 'gcr.io/s/a', B, ['v2'], ['us.gcr.io/p/a']],
      ['a', 'gcr.io/s/a', A, ['v1'], ['us.gcr.io/p/a']],
      ['b', 'gcr.io/s/b', A, [], ['us.gcr.io/p/b']],
    ]);
  });
});

describe('readManifests', () => {
  const images = (tag: string) => `- name: bar\n  dmap:\n    "${A}": ["${tag}"]\n`;

  it('reads files and thin folders in the order given; a thin tree by sub-folder name', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'manifests-'));
    try {
      const subs = ['zeta', 'alpha', 'kilo', 'bravo', 'yankee', 'echo', 'mike'];
      for (const sub of subs) {
        await mkdir(path.join(dir, 'thin', 'manifests', sub), { recursive: true });
        await mkdir(path.join(dir, 'thin', 'images', sub), { recursive: true });
        await writeFile(path.join(dir, 'thin', 'manifests', sub, 'promoter-manifest.yaml'), REGISTRIES);
        await writeFile(path.join(dir, 'thin', 'images', sub, 'images.yaml'), images(sub));
      }
      // A file among the sub-folders is no sub-tree, nor is a folder without promoter-manifest.yaml (as kpromo).
      await writeFile(path.join(dir, 'thin', 'manifests', 'README.md'), 'x');
      await mkdir(path.join(dir, 'thin', 'manifests', 'notes'));
      await writeFile(path.join(dir, 'plain.yaml'), PLAIN);
      const specs = await readManifests(['plain.yaml', 'thin'], (p) => path.join(dir, p));
      expect(specs.map((s) => [s.origin, s.digest, s.tags])).toEqual([
        ['plain.yaml', A, ['v1.0.0', 'latest']],
        ['plain.yaml', B, []],
        ...[...subs].sort().map((sub) => [`thin/images/${sub}/images.yaml`, A, [sub]]),
      ]);
      const err = await readManifests(['plain.yaml', '.'], (p) => path.join(dir, p)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PromotionSpecError);
      expect((err as PromotionSpecError).message).toBe(
        '.: manifests: a thin manifest folder needs manifests/<name>/promoter-manifest.yaml',
      );
      await writeFile(path.join(dir, 'thin', 'manifests', 'alpha', 'promoter-manifest.yaml'), 'registries: []\n');
      const bad = await readManifests(['thin'], (p) => path.join(dir, p)).catch((e: PromotionSpecError) => e);
      expect((bad as PromotionSpecError).file).toBe('thin/manifests/alpha/promoter-manifest.yaml');
      // The images of a thin tree are images.yaml's: a list beside the registries is refused, not ignored.
      await writeFile(path.join(dir, 'thin', 'manifests', 'alpha', 'promoter-manifest.yaml'), PLAIN);
      const ignored = await readManifests(['thin'], (p) => path.join(dir, p)).catch((e: PromotionSpecError) => e);
      expect((ignored as PromotionSpecError).message).toBe(
        'thin/manifests/alpha/promoter-manifest.yaml:7: manifest.images: unknown key (expected registries)',
      );
      await writeFile(path.join(dir, 'thin', 'manifests', 'alpha', 'promoter-manifest.yaml'), '- registries\n');
      const list = await readManifests(['thin'], (p) => path.join(dir, p)).catch((e: PromotionSpecError) => e);
      expect((list as PromotionSpecError).field).toBe('manifest');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file that is missing: a manifest, or the images.yaml of a thin sub-folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'manifests-'));
    try {
      await expect(readManifests(['nowhere.yaml'], (p) => path.join(dir, p))).rejects.toThrow(
        'nowhere.yaml: manifests: no such file or folder (ENOENT)',
      );
      await mkdir(path.join(dir, 'thin', 'manifests', 'app'), { recursive: true });
      await writeFile(path.join(dir, 'thin', 'manifests', 'app', 'promoter-manifest.yaml'), REGISTRIES);
      await expect(readManifests(['thin'], (p) => path.join(dir, p))).rejects.toThrow(
        'thin/images/app/images.yaml: manifests: cannot be read (ENOENT)',
      );
      await mkdir(path.join(dir, 'thin', 'images', 'app', 'images.yaml'), { recursive: true });
      await expect(readManifests(['thin'], (p) => path.join(dir, p))).rejects.toThrow(
        'thin/images/app/images.yaml: manifests: cannot be read (EISDIR)',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('inline input rules', () => {
  it('a layout image is named by its folder; a tag in the reference is added to the tags', () => {
    expect(
      inlineSpecs([`oci:out/images/app:v2@${A}`, `r.io/a/b/tool:t1@${B}`], ['prod.io/x', 'oci:dst//'], ['v1', 'latest']),
    ).toEqual([
      {
        image: 'app',
        source: 'oci:out/images/app',
        digest: A,
        tags: ['v1', 'latest', 'v2'],
        destinations: ['prod.io/x/app', 'oci:dst/app'],
        origin: 'images',
      },
      {
        image: 'tool',
        source: 'r.io/a/b/tool',
        digest: B,
        tags: ['v1', 'latest', 't1'],
        destinations: ['prod.io/x/tool', 'oci:dst/tool'],
        origin: 'images',
      },
    ]);
    expect(inlineSpecs([], ['prod.io/x'], [])).toEqual([]);
  });

  it.each([
    [[`staging.io/app@${A}`], ['prod.io/x'], ['-v1'], 'tags: tag "-v1" must match ^\\w[\\w.-]{0,127}$'],
    [[`staging.io/app@${A}`], [`prod.io/x@${A}`], [], 'destinations: a destination is a repository, without tag or digest'],
    [[`staging.io/app@${A}`], ['prod.io/x:v1'], [], 'destinations: a destination is a repository, without tag or digest'],
    [[`staging.io/app@${A}`], ['Prod.io/X'], [], 'destinations: "Prod.io/X" is not an image reference'],
    [[`staging.io/App@${A}`], ['prod.io/x'], [], 'images: image staging.io/App@'],
    [
      ['staging.io/app:v1'],
      ['prod.io/x'],
      [],
      'images: image staging.io/app:v1: images: must be pinned by digest (…@sha256:<64 hex>)',
    ],
  ])('refuses %j → %j tagged %j', (images, destinations, tags, message) => {
    const err = error(() => inlineSpecs(images, destinations, tags));
    expect(err.message).toContain(message);
    const input = message.split(':')[0] as string;
    expect([err.file, err.field]).toEqual([input, input]);
    expect(err.userError).toBe(true);
  });
});
