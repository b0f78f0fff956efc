import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../runner/run-bundle.ts';
import { runReleaseCli } from './cli.ts';
import { destinationUrl, validateConfig } from './config.ts';
import { runRelease } from './release.ts';

const root = repoRoot();
let dir: string;

async function release(cwd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runReleaseCli(args, { cwd, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'local-release-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('release config', () => {
  it('refuses a config that does not fit the schema, naming the key', async () => {
    await expect(validateConfig({ version: 'v1', tree: { stage: 'x' }, stages: { publish: {} } }, 'c.yaml')).rejects.toThrow(
      /\/stages\/publish must have required property 'destinations'/,
    );
    await expect(validateConfig({ version: 'v1', tree: { stage: 'x' }, stagez: {} }, 'c.yaml')).rejects.toThrow(/stagez/);
    await expect(
      validateConfig(parseYaml(await readFile(path.join(root, 'examples/local/release.yaml'), 'utf8')), 'x'),
    ).resolves.toBeTruthy();
    const bad = await release(dir, ['--config', path.join(dir, 'missing.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/Input 'config': cannot read/);
  });

  it('pins an oci: image by the tag its layout names, and refuses a folder that is no layout or lacks the tag', async () => {
    const cwd = await mkdtemp(path.join(dir, 'pin-'));
    await mkdir(path.join(cwd, 'tree'));
    const layout = path.join(cwd, '_out', 'workspace', 'images', 'app');
    await mkdir(layout, { recursive: true });
    const digest = `sha256:${'b'.repeat(64)}`;
    await writeFile(
      path.join(layout, 'index.json'),
      JSON.stringify({ manifests: [{ digest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }),
    );
    const run = (image: string) =>
      runRelease(
        {
          version: 'v1.31.2',
          tree: { dir: 'tree' },
          stages: { promote: { enabled: true, images: [image], destinations: ['oci:out'], with: { confirm: 'false' } } },
        },
        { cwd, log: () => {} },
      );
    await expect(run('oci:images/missing:v1')).rejects.toThrow(
      /Input 'images': oci:images\/missing:v1: images\/missing in the workspace is no OCI layout/,
    );
    await expect(run('oci:images/app:v2')).rejects.toThrow(/the layout images\/app has no tag v2/);
  });

  it.each([
    ['_out/bucket', '/w', 'file:///w/_out/bucket'],
    ['/srv/mirror', '/w', 'file:///srv/mirror'],
    ['s3://bucket/prefix', '/w', 's3://bucket/prefix'],
    ['file:///already', '/w', 'file:///already'],
  ])('destination %s from %s is %s', (destination, base, url) => {
    expect(destinationUrl(destination, base)).toBe(url);
  });
});
