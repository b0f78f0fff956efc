import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { CONFIG_SCHEMA, destinationUrl, readConfig, validateConfig } from './config.ts';

const D = `sha256:${'a'.repeat(64)}`;

/** Every key of every stage, each in a form the schema takes. */
const FULL = {
  version: 'v1.31.2',
  output: '_out',
  'source-date-epoch': 0,
  tree: { stage: 'stage.sh' },
  stages: {
    packages: { enabled: true, config: 'nfpm.yaml', formats: 'deb,rpm', key: 'generate', with: { arch: 'amd64' } },
    sbom: { enabled: false, format: 'cyclonedx', env: { token: 'GITHUB_TOKEN' } },
    sign: { signing: 'keyless', key: 'k.pem', 'builder-id': 'https://example.com/b', 'invocation-id': 'x' },
    publish: { destinations: ['_out/bucket', 's3://b/p'], layout: 'flat', with: {} },
    promote: { stage: 'images.sh', images: [`r.io/a@${D}`], destinations: ['oci:prod'], tags: 'v1' },
    markers: { destination: '_out/bucket', 'build-type': 'ci', env: { _x9: 'A_1' } },
  },
};

/** FULL with one key replaced (a path of keys; undefined deletes it). */
function changed(keys: string[], value: unknown): unknown {
  const config = structuredClone(FULL) as Record<string, unknown>;
  let at = config;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return config;
}

async function problem(value: unknown): Promise<string> {
  const err = await validateConfig(value, 'c.yaml').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).userError).toBe(true);
  return (err as Error).message;
}

describe('the release config schema', () => {
  it('takes every key in its form, and the minimal config', async () => {
    await expect(validateConfig(FULL, 'c.yaml')).resolves.toBe(FULL);
    const minimal = { version: 'v1', tree: { dir: 'tree' } };
    await expect(validateConfig(minimal, 'c.yaml')).resolves.toBe(minimal);
    for (const format of ['spdx', 'both'])
      await expect(validateConfig(changed(['stages', 'sbom', 'format'], format), 'c')).resolves.toBeTruthy();
    await expect(validateConfig(changed(['stages', 'sign', 'signing'], 'key'), 'c')).resolves.toBeTruthy();
    for (const type of ['release', 'devel'])
      await expect(validateConfig(changed(['stages', 'markers', 'build-type'], type), 'c')).resolves.toBeTruthy();
    await expect(validateConfig(changed(['stages', 'sign', 'builder-id'], 'a1+.-:x'), 'c')).resolves.toBeTruthy();
  });

  it.each([
    [['version'], undefined, "/ must have required property 'version'"],
    [['tree'], undefined, "/ must have required property 'tree'"],
    [['versions'], 'v1', '/ must NOT have additional properties (versions)'],
    [['version'], 1, '/version must be string'],
    [['output'], true, '/output must be string'],
    [['source-date-epoch'], -1, '/source-date-epoch must be >= 0'],
    [['source-date-epoch'], 1.5, '/source-date-epoch must be integer'],
    [['tree'], {}, '/tree must match exactly one schema in oneOf'],
    [['tree'], { dir: 'a', stage: 'b' }, '/tree must match exactly one schema in oneOf'],
    [['tree'], { dir: 'a', src: 'b' }, '/tree must NOT have additional properties (src)'],
    [['tree', 'stage'], 1, '/tree/stage must be string'],
    [['tree'], { dir: 1 }, '/tree/dir must be string'],
    [['tree'], 'x', '/tree must be object'],
    [['stages'], [], '/stages must be object'],
    [['stages', 'deploy'], {}, '/stages must NOT have additional properties (deploy)'],
    [['stages', 'packages', 'config'], undefined, "/stages/packages must have required property 'config'"],
    [['stages', 'packages', 'config'], 1, '/stages/packages/config must be string'],
    [['stages', 'packages', 'formats'], 1, '/stages/packages/formats must be string'],
    [['stages', 'packages', 'key'], 1, '/stages/packages/key must be string'],
    [['stages', 'packages', 'keys'], 'x', '/stages/packages must NOT have additional properties (keys)'],
    [['stages', 'packages', 'enabled'], 'true', '/stages/packages/enabled must be boolean'],
    [['stages', 'packages', 'with'], [], '/stages/packages/with must be object'],
    [['stages', 'packages', 'with', 'arch'], 1, '/stages/packages/with/arch must be string'],
    [['stages', 'sbom', 'format'], 'swid', '/stages/sbom/format must be equal to one of the allowed values'],
    [['stages', 'sbom', 'env'], 'x', '/stages/sbom/env must be object'],
    [['stages', 'sbom', 'env', 'token'], '1TOKEN', '/stages/sbom/env/token must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"'],
    [['stages', 'sbom', 'env', 'token'], 'A-B', '/stages/sbom/env/token must match pattern'],
    [['stages', 'sbom', 'env', 'token'], 'A B', '/stages/sbom/env/token must match pattern'],
    [['stages', 'sbom', 'env', 'token'], 'AB ', '/stages/sbom/env/token must match pattern'],
    [['stages', 'sbom', 'env', 'token'], 1, '/stages/sbom/env/token must be string'],
    [['stages', 'sign', 'signing'], 'gpg', '/stages/sign/signing must be equal to one of the allowed values'],
    [['stages', 'sign', 'key'], 1, '/stages/sign/key must be string'],
    [['stages', 'sign', 'builder-id'], 'builder', '/stages/sign/builder-id must match pattern "^[a-z][a-z0-9+.-]*:\\S+$"'],
    [['stages', 'sign', 'builder-id'], 'https: x', '/stages/sign/builder-id must match pattern'],
    [['stages', 'sign', 'builder-id'], 'Https://x', '/stages/sign/builder-id must match pattern'],
    [['stages', 'sign', 'builder-id'], '1a://x', '/stages/sign/builder-id must match pattern'],
    [['stages', 'sign', 'builder-id'], 'a_b://x', '/stages/sign/builder-id must match pattern'],
    [['stages', 'sign', 'builder-id'], 1, '/stages/sign/builder-id must be string'],
    [['stages', 'sign', 'invocation-id'], '', '/stages/sign/invocation-id must NOT have fewer than 1 characters'],
    [['stages', 'sign', 'invocation-id'], 1, '/stages/sign/invocation-id must be string'],
    [['stages', 'publish', 'destinations'], undefined, "/stages/publish must have required property 'destinations'"],
    [['stages', 'publish', 'destinations'], [], '/stages/publish/destinations must NOT have fewer than 1 items'],
    [['stages', 'publish', 'destinations'], [''], '/stages/publish/destinations/0 must NOT have fewer than 1 characters'],
    [['stages', 'publish', 'destinations'], [1], '/stages/publish/destinations/0 must be string'],
    [['stages', 'publish', 'destinations'], 'a', '/stages/publish/destinations must be array'],
    [['stages', 'publish', 'layout'], 1, '/stages/publish/layout must be string'],
    [['stages', 'promote', 'images'], undefined, "/stages/promote must have required property 'images'"],
    [['stages', 'promote', 'destinations'], undefined, "/stages/promote must have required property 'destinations'"],
    [['stages', 'promote', 'images'], [], '/stages/promote/images must NOT have fewer than 1 items'],
    [['stages', 'promote', 'destinations'], [''], '/stages/promote/destinations/0 must NOT have fewer than 1 characters'],
    [['stages', 'promote', 'stage'], 1, '/stages/promote/stage must be string'],
    [['stages', 'promote', 'tags'], ['v1'], '/stages/promote/tags must be string'],
    [['stages', 'markers', 'destination'], undefined, "/stages/markers must have required property 'destination'"],
    [['stages', 'markers', 'destination'], 1, '/stages/markers/destination must be string'],
    [['stages', 'markers', 'build-type'], 'nightly', '/stages/markers/build-type must be equal to one of the allowed values'],
    [['stages', 'markers', 'destinations'], ['x'], '/stages/markers must NOT have additional properties (destinations)'],
  ])('%j = %j: %s', async (keys, value, expected) => {
    const message = await problem(changed(keys, value));
    expect(message).toMatch(/^Input 'config': c\.yaml: \//);
    expect(message).toContain(expected);
  });

  it('names every problem at once, the whole value as /', async () => {
    expect(await problem({ tree: { dir: 1 }, stagez: {} })).toBe(
      "Input 'config': c.yaml: / must have required property 'version'; / must NOT have additional properties (stagez); /tree/dir must be string",
    );
    expect(await problem('v1')).toBe("Input 'config': c.yaml: / must be object");
  });

  it('every description says something (editors show them)', () => {
    const descriptions: unknown[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object')
        for (const [key, value] of Object.entries(node)) {
          if (key === 'description') descriptions.push(value);
          walk(value);
        }
    };
    walk(CONFIG_SCHEMA);
    expect(descriptions.length).toBeGreaterThan(20);
    for (const d of descriptions) expect(d).toMatch(/^\S.{9,}\.$/s);
    expect(CONFIG_SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(CONFIG_SCHEMA.title).toBe('release-actions local release');
  });
});

describe('readConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'release-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads YAML or JSON, checks it, and names the file it cannot read', async () => {
    await writeFile(path.join(dir, 'r.yaml'), 'version: v1\ntree:\n  dir: t\n');
    await writeFile(path.join(dir, 'r.json'), '{"version": "v1", "tree": {"stage": "s"}}');
    await writeFile(path.join(dir, 'bad.yaml'), 'version: v1\n');
    await expect(readConfig(path.join(dir, 'r.yaml'))).resolves.toEqual({ version: 'v1', tree: { dir: 't' } });
    await expect(readConfig(path.join(dir, 'r.json'))).resolves.toEqual({ version: 'v1', tree: { stage: 's' } });
    await expect(readConfig(path.join(dir, 'bad.yaml'))).rejects.toThrow(
      `Input 'config': ${path.join(dir, 'bad.yaml')}: / must have required property 'tree'`,
    );
    const missing = path.join(dir, 'missing.yaml');
    const err = await readConfig(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(new RegExp(`^Input 'config': cannot read ${missing}: ENOENT`));
    expect((err as InputError).userError).toBe(true);
    expect((err as Error).cause).toMatchObject({ code: 'ENOENT' });
  });
});

describe('destinationUrl', () => {
  it.each([
    ['out', '/w', 'file:///w/out'],
    ['../up', '/w/x', 'file:///w/up'],
    ['gs://b/p', '/w', 'gs://b/p'],
    ['azblob+x.y-z://c', '/w', 'azblob+x.y-z://c'],
    ['S3://bucket', '/w', 'file:///w/S3:/bucket'],
    ['1s3://bucket', '/w', 'file:///w/1s3:/bucket'],
    ['s3:/bucket', '/w', 'file:///w/s3:/bucket'],
    ['x/s3://bucket', '/w', 'file:///w/x/s3:/bucket'],
    ['s_3://bucket', '/w', 'file:///w/s_3:/bucket'],
  ])('%s from %s is %s', (destination, base, url) => {
    expect(destinationUrl(destination, base)).toBe(url);
  });
});
