/** The bundle end to end, run exactly as the runner runs it (bundle first: node shared/scripts/bundle.ts update-markers). */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/src/core/hash.ts';
import { AzBlobStorage } from '../../../shared/src/storage/azblob-storage.ts';
import { S3Storage } from '../../../shared/src/storage/s3-storage.ts';
import { type AzuriteHandle, startAzurite } from '../../../shared/src/testing/azurite.ts';
import { type S3rverHandle, startS3rver } from '../../../shared/src/testing/s3rver.ts';
import { runBundleScanned } from '../../../shared/src/testing/secrets.ts';

let scratch: string;
let bucket: string;
let destination: string;

/** The log as a reader sees it: the runner consumes ::add-mask:: lines. */
function withoutMasks(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

async function tree(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true })) as string[]).sort();
}

async function publish(key: string): Promise<void> {
  await mkdir(path.dirname(path.join(bucket, key)), { recursive: true });
  await writeFile(path.join(bucket, key), '{}');
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'update-markers-e2e-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));
beforeEach(async () => {
  bucket = await mkdtemp(path.join(scratch, 'bucket-'));
  destination = pathToFileURL(bucket).toString();
  await publish('release/v1.31.2/index.json');
  await publish('release/v1.31.1/index.json');
});

describe('update-markers bundle', () => {
  it('moves the markers, sets outputs, writes the summary; a rerun writes nothing', async () => {
    const first = await runBundleScanned('update-markers', { inputs: { version: 'v1.31.1\nv1.31.2', destination } });
    expect(first.annotations).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(await readFile(path.join(bucket, 'release/stable.txt'), 'utf8')).toBe('v1.31.2');
    expect(JSON.parse(first.outputs.updated as string)).toEqual({
      'release/stable.txt': { from: null, to: 'v1.31.2' },
      'release/stable-1.txt': { from: null, to: 'v1.31.2' },
      'release/stable-1.31.txt': { from: null, to: 'v1.31.2' },
    });
    expect(first.outputs['markers-index']).toBe(pathToFileURL(path.join(bucket, 'release/markers.json')).toString());
    expect(first.summary).toContain('| release/stable.txt | v1.31.2 | v1.31.1 | v1.31.2 | update |');
    expect(first.stdout).toContain('::group::Write markers (compare-and-swap)');

    const before = await Promise.all((await tree(bucket)).map(async (f) => [f, (await stat(path.join(bucket, f))).mtimeMs]));
    const rerun = await runBundleScanned('update-markers', { inputs: { version: 'v1.31.1\nv1.31.2', destination } });
    expect(rerun.exitCode).toBe(0);
    expect(JSON.parse(rerun.outputs.updated as string)).toEqual({});
    expect(Object.keys(JSON.parse(rerun.outputs.skipped as string))).toHaveLength(3);
    expect(rerun.stdout).toContain('Every marker was already up to date: nothing written');
    const after = await Promise.all((await tree(bucket)).map(async (f) => [f, (await stat(path.join(bucket, f))).mtimeMs]));
    expect(after).toEqual(before);
  });

  it("records SOURCE_DATE_EPOCH as markers.json's time of the markers it wrote", async () => {
    const result = await runBundleScanned('update-markers', {
      inputs: { version: 'v1.31.2', destination },
      env: { SOURCE_DATE_EPOCH: '1700000000' },
    });
    expect(result.exitCode).toBe(0);
    const index = JSON.parse(await readFile(path.join(bucket, 'release/markers.json'), 'utf8'));
    expect(index.markers['stable.txt']).toEqual({ value: 'v1.31.2', type: 'stable', updatedAt: '2023-11-14T22:13:20Z' });
  });

  it('dry-run prints the decisions and writes nothing', async () => {
    const before = await tree(bucket);
    const result = await runBundleScanned('update-markers', { inputs: { version: 'v1.31.2', destination, 'dry-run': 'true' } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('v1.31.2: create release/stable.txt: (none) → v1.31.2 (marker does not exist)');
    expect(result.summary).toContain('dry run: nothing written');
    expect(await tree(bucket)).toEqual(before);
  });

  it('a missing release fails with RELEASE_MISSING and writes nothing', async () => {
    const before = await tree(bucket);
    const result = await runBundleScanned('update-markers', { inputs: { version: 'v1.31.3', destination } });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.properties.title)).toEqual(['RELEASE_MISSING']);
    expect(await tree(bucket)).toEqual(before);
  });

  it.each([
    [{ version: 'v1.31' }, 'version'],
    [{ version: '1.31.2' }, 'version'],
    [{ version: 'v1.31.2-rc.01' }, 'version'],
    [{ 'build-type': 'nightly' }, 'build-type'],
    [{ 'extra-markers': 'k8s/master' }, 'extra-markers'],
    [{ 'extra-markers': '..' }, 'extra-markers'],
    [{ destination: 'gcs://kubernetes-release/release' }, 'destination'],
    [{ 'cdn-purge-url': 'https://api.fastly.com/service/x/purge' }, 'cdn-purge-token'],
  ])('bad input %j: exit 1, one error naming %s, nothing written', async (given, input) => {
    const before = await tree(bucket);
    const result = await runBundleScanned('update-markers', { inputs: { version: 'v1.31.2', destination, ...given } });
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.properties.title).toBe(`Invalid input: ${input}`);
    expect(errors[0]?.message).toContain(`'${input}'`);
    expect(await tree(bucket)).toEqual(before);
  });

  it('never prints the purge token', async () => {
    const result = await runBundleScanned('update-markers', {
      inputs: {
        version: 'v1.31.2',
        destination,
        'cdn-purge-url': 'http://127.0.0.1:9/purge',
        'cdn-purge-token': 'sekret-purge-token-1',
      },
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(1);
    expect(withoutMasks(result.stdout)).not.toContain('sekret-purge-token-1');
    expect(result.stderr).not.toContain('sekret-purge-token-1');
  });
});

describe('update-markers bundle against azurite (azblob://)', () => {
  let azurite: AzuriteHandle;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('checks the release and writes markers with compare-and-swap through the connection string', async () => {
    const storage = new AzBlobStorage({ connectionString: azurite.connectionString, container: 'dl-k8s', prefix: 'k8s' });
    const data = Buffer.from('{}');
    await storage.put('ci/v1.33.0-alpha.0.5+abc/index.json', { data }, { sha256: sha256Hex(data), size: data.length });
    const inputs = {
      version: 'v1.33.0-alpha.0.5+abc',
      'build-type': 'ci',
      destination: 'azblob://dl-k8s/k8s',
      'azure-connection-string': azurite.connectionString,
      'extra-markers': 'k8s-master',
    };
    const result = await runBundleScanned('update-markers', { inputs });
    expect(result.annotations).toEqual([]);
    expect(result.exitCode).toBe(0);
    for (const key of ['ci/latest.txt', 'ci/latest-1.txt', 'ci/latest-1.33.txt', 'ci/k8s-master.txt']) {
      expect((await storage.read(key))?.data.toString()).toBe('v1.33.0-alpha.0.5+abc');
    }
    expect(JSON.parse((await storage.read('ci/markers.json'))?.data.toString() ?? '{}').markers['k8s-master.txt']).toMatchObject({
      value: 'v1.33.0-alpha.0.5+abc',
      type: 'extra',
    });
    expect(withoutMasks(result.stdout)).not.toContain(azurite.accountKey);
    const rerun = await runBundleScanned('update-markers', { inputs });
    expect(JSON.parse(rerun.outputs.updated as string)).toEqual({});
  });
});

describe('update-markers bundle against s3rver (s3://)', () => {
  let s3: S3rverHandle;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['k8s-release'] });
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('finds the release by listing, writes the markers and the index, and a rerun writes nothing', async () => {
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const storage = new S3Storage({
      bucket: 'k8s-release',
      prefix: 'dl',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials,
    });
    const data = Buffer.from('{}');
    await storage.put('release/v1.32.0-rc.0/index.json', { data }, { sha256: sha256Hex(data), size: data.length });
    const inputs = {
      version: 'v1.32.0-rc.0',
      destination: 's3://k8s-release/dl',
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
      's3-access-key-id': s3.accessKeyId,
      's3-secret-access-key': s3.secretAccessKey,
      'concurrency-guard': 'none',
    };
    // s3rver ignores conditional writes: refused unless the workflow's concurrency group is named as the guard.
    const refused = await runBundleScanned('update-markers', { inputs: { ...inputs, 'concurrency-guard': 'compare-and-swap' } });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.annotations.map((a) => a.properties.title)).toEqual(['CAPABILITY_MISSING']);
    expect(refused.annotations[0]?.message).toMatch(/s3:\/\/k8s-release\/dl cannot compare-and-swap/);
    expect(await storage.stat('release/latest.txt')).toBeUndefined();
    const result = await runBundleScanned('update-markers', { inputs });
    expect(result.annotations.map((a) => [a.level, a.message])).toEqual([
      ['warning', expect.stringMatching(/writing unconditionally because concurrency-guard is none/)],
    ]);
    expect(result.exitCode).toBe(0);
    expect((await storage.read('release/latest-1.32.txt'))?.data.toString()).toBe('v1.32.0-rc.0');
    expect(await storage.stat('release/latest.txt')).toMatchObject({
      contentType: 'text/plain',
      cacheControl: 'private, max-age=0, no-transform',
    });
    expect(await storage.stat('release/stable.txt')).toBeUndefined();
    expect(Object.keys(JSON.parse((await storage.read('release/markers.json'))?.data.toString() ?? '{}').markers)).toHaveLength(
      3,
    );
    const rerun = await runBundleScanned('update-markers', { inputs });
    expect(rerun.exitCode).toBe(0);
    expect(JSON.parse(rerun.outputs.updated as string)).toEqual({});
    const missing = await runBundleScanned('update-markers', { inputs: { ...inputs, version: 'v1.32.0-rc.1' } });
    expect(missing.annotations.map((a) => a.properties.title)).toEqual(['RELEASE_MISSING']);
  });
});
