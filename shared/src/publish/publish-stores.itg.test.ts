import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { GcsStorage } from '../storage/gcs-storage.ts';
import { S3Storage } from '../storage/s3-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { type FaultProxy, startFaultProxy } from '../testing/fault-proxy.ts';
import { startGcsApi } from '../testing/gcs-api.ts';
import { startS3ChecksumProxy } from '../testing/s3-checksum-proxy.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import type { Destination } from './plan.ts';
import { type PublishOptions, publishBinaries } from './publish.ts';
import type { IndexDocument } from './release-index.ts';
import { makeReleaseTree } from './release-tree.fixture.ts';
import { publishSummary } from './report.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

const VERSION = 'v1.31.2';
let work: string;
let source: string;
let s3: S3rverHandle;
let proxy: FaultProxy;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-stores-'));
  source = path.join(work, 'source');
  // Binaries a little over 256 KiB: more than one resumable chunk on gs://.
  await makeReleaseTree(source, { binaries: 12, binarySize: 300 * 1024 });
  s3 = await startS3rver({ buckets: ['dl-k8s', 'faulty'] });
  proxy = await startFaultProxy({ target: s3.endpoint, failureRate: 0.2, seed: 20, kinds: ['503', '429', 'reset'] });
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

function s3Storage(bucket: string, endpoint = s3.endpoint): S3Storage {
  return new S3Storage({
    bucket,
    endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    retry: { attempts: 8, baseDelayMs: 20, maxDelayMs: 200 },
  });
}

const layout = parseLayout('kubernetes');
function destination(storage: Storage): Destination {
  return { name: storage.location, storage, keyFor: (p) => keyFor(layout, VERSION, p) };
}

function options(destinations: Destination[]): PublishOptions {
  return {
    sourceDir: source,
    version: VERSION,
    destinations,
    checksums: true,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
    contentTypeOf: contentTypeFor,
    concurrency: 8,
    dryRun: false,
  };
}

/** Downloads every file the index lists through the store, then runs sha256sum -c and sha512sum -c on the copy. */
async function downloadAndCheck(storage: Storage): Promise<IndexDocument> {
  const indexKey = `release/${VERSION}/index.json`;
  const index = JSON.parse((await storage.read(indexKey))?.data.toString() ?? 'null') as IndexDocument;
  const copy = await mkdtemp(path.join(work, 'download-'));
  for (const file of index.files) {
    const data = (await storage.read(`release/${VERSION}/${file.path}`))?.data;
    expect(data, file.path).toBeDefined();
    await mkdir(path.dirname(path.join(copy, file.path)), { recursive: true });
    await writeFile(path.join(copy, file.path), data as Buffer);
  }
  execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: copy });
  execFileSync('sha512sum', ['--quiet', '-c', 'SHA512SUMS'], { cwd: copy });
  expect(await readFile(path.join(copy, 'bin/linux/amd64/kubectl.sha256'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  return index;
}

describe('publishBinaries to real stores', () => {
  it('publishes to s3rver and a folder in one run, verifies, and a rerun uploads nothing', async () => {
    const bucket = s3Storage('dl-k8s');
    const folder = new FileStorage(path.join(work, 'mirror'));
    const logger = new RecordingLogger();
    const result = await publishBinaries(options([destination(bucket), destination(folder)]), logger);
    // s3rver ignores conditional writes (as GCS's XML API does): said in the log and the summary; a folder holds all.
    const [s3Result, folderResult] = result.destinations;
    expect(s3Result?.missingGuarantees?.[0]).toMatch(/^create-only release index: .*ignores the condition/);
    expect(folderResult?.missingGuarantees).toEqual([]);
    expect(logger.lines.some((l) => /^warning: .*not guaranteed: create-only release index/.test(l))).toBe(true);
    expect(publishSummary(result).render()).toMatch(/not guaranteed by this store[\s\S]*create-only release index/);
    const index = await downloadAndCheck(bucket);
    await downloadAndCheck(folder);
    expect(index.files.map((f) => f.path)).toEqual(result.files.map((f) => f.path));
    expect(index.files[0]?.url).toMatch(new RegExp(`^${s3.endpoint}/dl-k8s/release/${VERSION}/`));
    const kubectl = await bucket.stat(`release/${VERSION}/bin/linux/amd64/kubectl`);
    expect(kubectl).toMatchObject({ cacheControl: IMMUTABLE_CACHE_CONTROL, contentType: 'application/octet-stream' });
    expect((await bucket.stat(`release/${VERSION}/index.json`))?.cacheControl).toBe('no-cache');

    const rerun = await publishBinaries(options([destination(bucket), destination(folder)]), new RecordingLogger());
    for (const d of rerun.destinations)
      expect(d).toMatchObject({ uploaded: 0, bytesUploaded: 0, skipped: result.files.length + 1 });
  });

  it("publishes to gs://: objects uploaded in chunks are verified from GCS's own MD5, without a download", async () => {
    const gcs = await startGcsApi({ buckets: ['dl-k8s'] });
    try {
      const bucket = new GcsStorage({
        bucket: 'dl-k8s',
        apiUrl: gcs.url,
        token: async () => gcs.accessToken,
        partSize: 256 * 1024,
      });
      const result = await publishBinaries(options([destination(bucket)]), new RecordingLogger());
      expect(result.destinations[0]?.missingGuarantees).toEqual([]);
      // Resumable uploads (opaque ETags: generations) happened, and no object's media was read back.
      expect(gcs.requests.filter((r) => r.startsWith('PUT /upload/')).length).toBeGreaterThan(12);
      expect(gcs.requests.filter((r) => r.includes('alt=media'))).toEqual([]);
      await downloadAndCheck(bucket);
    } finally {
      await gcs.stop();
    }
  });

  it('publishes to an R2-like store: objects uploaded in parts (opaque ETags) are verified from checksums, no GET', async () => {
    // s3rver behind a proxy shaped after AWS's documented checksum mode and conditional writes (s3rver has neither),
    // giving multipart objects opaque ETags as R2 does; requests counted there.
    const large = path.join(work, 'large-source');
    await makeReleaseTree(large, { binaries: 2, binarySize: 6 * 1024 * 1024 });
    const r2 = await startS3ChecksumProxy({ target: s3.endpoint, opaqueMultipartEtags: true, conditions: 'all' });
    try {
      const bucket = new S3Storage({
        bucket: 'dl-k8s',
        prefix: 'r2',
        endpoint: r2.url,
        provider: 'r2',
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        partSize: 5 * 1024 * 1024,
      });
      const result = await publishBinaries({ ...options([destination(bucket)]), sourceDir: large }, new RecordingLogger());
      expect(result.destinations[0]?.missingGuarantees).toEqual([]);
      // The two 6 MiB binaries went up in parts (the capability probe completes one more upload of its own).
      const completions = r2.requests.filter((r) => r.startsWith('POST /dl-k8s/r2/release/') && r.includes('uploadId='));
      expect(completions).toHaveLength(2);
      // Nothing read back whole: the listing's MD5 ETags and the HEADs' composite SHA-256s proved every object (the
      // one GET is the plan looking for an earlier index.json, before any upload).
      expect(r2.requests.filter((r) => r.startsWith('GET /dl-k8s/r2/'))).toEqual([
        `GET /dl-k8s/r2/release/${VERSION}/index.json`,
      ]);
      // A HEAD for each object uploaded in parts, the index's own read-back, and once more each object uploaded in
      // parts in the look after the index is written (another run may have replaced one).
      const parts = ['bin/linux/amd64/kubectl', 'bin/linux/arm64/kubectl'];
      expect(r2.requests.filter((r) => r.startsWith('HEAD /dl-k8s/r2/release/')).sort()).toEqual(
        [...parts, 'index.json', ...parts].map((p) => `HEAD /dl-k8s/r2/release/${VERSION}/${p}`).sort(),
      );
    } finally {
      await r2.stop();
    }
  });

  it('completes through a proxy failing 20% of S3 requests (503, 429, resets), every object verified', async () => {
    const bucket = s3Storage('faulty', proxy.url);
    await publishBinaries(options([destination(bucket)]), new RecordingLogger());
    const faults = Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(5);
    expect(proxy.stats.faults.reset).toBeGreaterThan(0);
    // Read back directly from s3rver, not through the proxy.
    await downloadAndCheck(s3Storage('faulty'));
  });
});
