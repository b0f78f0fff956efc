/**
 * The bundle end to end against s3rver, azurite and a folder in one run, exactly as
 * the runner runs it (bundle first: node shared/scripts/bundle.ts publish-binaries).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexDocument } from '../../../shared/src/publish/release-index.ts';
import { makeReleaseTree } from '../../../shared/src/publish/release-tree.fixture.ts';
import type { RunResult } from '../../../shared/src/runner/run-bundle.ts';
import { createStorage, parseDestination, type StorageOptions } from '../../../shared/src/storage/destination.ts';
import type { Storage } from '../../../shared/src/storage/storage.ts';
import { type AzuriteHandle, startAzurite } from '../../../shared/src/testing/azurite.ts';
import { type S3rverHandle, startS3rver } from '../../../shared/src/testing/s3rver.ts';
import { runBundleScanned } from '../../../shared/src/testing/secrets.ts';

const VERSION = 'v1.31.2';
let work: string;
let s3: S3rverHandle;
let azure: AzuriteHandle;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-binaries-e2e-'));
  await makeReleaseTree(path.join(work, 'workspace', '_output', 'release'));
  [s3, azure] = await Promise.all([startS3rver({ buckets: ['dl-k8s'] }), startAzurite()]);
});
afterAll(async () => {
  await Promise.all([s3?.stop(), azure?.stop()]);
  await rm(work, { recursive: true, force: true });
});

/** The log as a reader sees it: the runner consumes ::add-mask:: lines. */
function visibleLog(run: RunResult): string {
  return `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

function destinations(): string[] {
  return ['s3://dl-k8s', 'azblob://dl-k8s-mirror/prefix', pathToFileURL(path.join(work, 'folder')).toString()];
}

const storageOptions = (): StorageOptions => ({
  s3Endpoint: s3.endpoint,
  s3ForcePathStyle: true,
  s3Region: s3.region,
  s3Credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  azureConnectionString: azure.connectionString,
});

function publish(extra: Record<string, string> = {}): Promise<RunResult> {
  return runBundleScanned('publish-binaries', {
    workspace: path.join(work, 'workspace'),
    inputs: {
      'source-dir': '_output/release',
      version: VERSION,
      destinations: destinations().join('\n'),
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
      's3-region': s3.region,
      's3-access-key-id': s3.accessKeyId,
      's3-secret-access-key': s3.secretAccessKey,
      'azure-connection-string': azure.connectionString,
      manifest: 'release-manifest.json',
      ...extra,
    },
    timeoutMs: 50_000,
  });
}

/** Downloads the release through the store, as listed by its index, and runs sha256sum -c / sha512sum -c. */
async function downloadAndCheck(storage: Storage): Promise<IndexDocument> {
  const index = JSON.parse((await storage.read(`release/${VERSION}/index.json`))!.data.toString()) as IndexDocument;
  const copy = await mkdtemp(path.join(work, 'download-'));
  for (const file of index.files) {
    const data = (await storage.read(`release/${VERSION}/${file.path}`))!.data;
    await mkdir(path.dirname(path.join(copy, file.path)), { recursive: true });
    await writeFile(path.join(copy, file.path), data);
  }
  execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: copy });
  execFileSync('sha512sum', ['--quiet', '-c', 'SHA512SUMS'], { cwd: copy });
  const kubectl = await readFile(path.join(copy, 'bin/linux/amd64/kubectl.sha256'), 'utf8');
  expect(kubectl).toMatch(/^[0-9a-f]{64}$/);
  expect(await readFile(path.join(copy, 'SHA256SUMS'), 'utf8')).toContain(`${kubectl}  bin/linux/amd64/kubectl\n`);
  return index;
}

describe('publish-binaries bundle: s3rver + azurite + file:// in one run', () => {
  it('publishes the dl.k8s.io layout everywhere, verified; a rerun uploads nothing; no credential in the log', async () => {
    const first = await publish();
    // s3rver checks neither conditional writes nor SHA-256s: the run says so (azurite and the folder give both).
    expect(
      first.annotations.map((a) => [a.level, a.message]),
      first.stdout,
    ).toEqual([
      ['warning', expect.stringMatching(/^s3:\/\/dl-k8s: not guaranteed: create-only release index/)],
      ['warning', expect.stringMatching(/^s3:\/\/dl-k8s: not guaranteed: store-side SHA-256 check/)],
    ]);
    expect(first.summary).toMatch(/not guaranteed by this store[\s\S]*create-only release index/);
    expect(first.exitCode).toBe(0);

    const stores = await Promise.all(destinations().map((d) => createStorage(parseDestination(d), storageOptions())));
    const indexes = await Promise.all(stores.map(downloadAndCheck));
    const paths = indexes[0]!.files.map((f) => f.path);
    for (const index of indexes) expect(index.files.map((f) => f.path)).toEqual(paths);
    expect(paths).toContain('bin/linux/amd64/kubectl');
    expect(paths).toContain('SHA256SUMS');
    expect(await stores[0]!.stat(`release/${VERSION}/bin/linux/amd64/kubectl`)).toBeDefined();
    expect(await readFile(path.join(work, 'folder', 'release', VERSION, 'bin/linux/amd64/kubectl.sha256'), 'utf8')).toMatch(
      /^[0-9a-f]{64}$/,
    );

    const objects = (paths.length + 1) * 3;
    expect(Number(first.outputs.uploaded)).toBe(objects);
    expect(Number(first.outputs.skipped)).toBe(0);
    expect(Number(first.outputs['bytes-uploaded'])).toBeGreaterThan(0);
    expect(JSON.parse(first.outputs.urls!)).toHaveLength(paths.length * 3);
    const index = JSON.parse(first.outputs.index!) as Record<string, string>;
    expect(Object.keys(index)).toEqual(destinations());
    expect(index['s3://dl-k8s']).toBe(`${s3.endpoint}/dl-k8s/release/${VERSION}/index.json`);
    expect(first.summary).toContain('| s3://dl-k8s |');

    const manifest = JSON.parse(await readFile(path.join(work, 'workspace', 'release-manifest.json'), 'utf8')) as {
      files: Array<{ path: string; produced?: { published?: string[] } }>;
    };
    const kubectl = manifest.files.find((f) => f.path === '_output/release/bin/linux/amd64/kubectl');
    expect(kubectl?.produced?.published).toHaveLength(3);

    const rerun = await publish();
    expect(rerun.exitCode).toBe(0);
    expect(rerun.outputs).toMatchObject({ uploaded: '0', 'bytes-uploaded': '0', skipped: String(objects) });

    for (const run of [first, rerun]) {
      const log = visibleLog(run);
      expect(log).not.toContain(s3.secretAccessKey);
      expect(log).not.toContain(azure.accountKey);
      expect(log).not.toContain('AccountKey=');
    }
  });

  it('dry-run prints the plan and writes nothing', async () => {
    const run = await publish({ version: 'v1.31.3', 'dry-run': 'true' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`upload release/v1.31.3/bin/linux/amd64/kubectl (new, 64.0 KiB)`);
    const stores = await Promise.all(destinations().map((d) => createStorage(parseDestination(d), storageOptions())));
    for (const store of stores) expect(await store.stat('release/v1.31.3/bin/linux/amd64/kubectl')).toBeUndefined();
    expect(run.summary).toContain('dry run');
  });
});
