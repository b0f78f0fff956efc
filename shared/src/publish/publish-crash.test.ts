import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashStream } from '../core/hash.ts';
import { RecordingLogger } from '../core/logger.ts';
import { S3Storage } from '../storage/s3-storage.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import { publishBinaries } from './publish.ts';
import type { ChildConfig } from './publish-child.fixture.ts';
import type { IndexDocument } from './release-index.ts';
import { makeReleaseTree } from './release-tree.fixture.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

const VERSION = 'v1.31.2';
let work: string;
let s3: S3rverHandle;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-crash-'));
  s3 = await startS3rver({ buckets: ['crash'] });
});
afterAll(async () => {
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

/** Starts the publish in a child process and SIGKILLs it once `uploads` progress lines have appeared. */
function publishAndKill(config: ChildConfig, uploads: number): Promise<{ progress: string[]; signal: string | null }> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'publish-child.fixture.ts'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const progress: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (/^\[\s*\d+\/\d+\]/.test(line)) progress.push(line);
    }
    if (progress.length >= uploads && child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === null) reject(new Error(`the child was not killed (exit ${code}): ${stderr}`));
      else resolve({ progress, signal });
    });
  });
}

describe('kill -9 during upload', () => {
  it('leaves no index; a rerun completes the release and every file verifies', async () => {
    const source = path.join(work, 'source');
    await makeReleaseTree(source, { binaries: 24, binarySize: 1024 * 1024 });
    const config: ChildConfig = {
      source,
      version: VERSION,
      endpoint: s3.endpoint,
      bucket: 'crash',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      concurrency: 2,
    };
    const killed = await publishAndKill(config, 4);
    expect(killed.signal).toBe('SIGKILL');

    const storage = new S3Storage({
      bucket: 'crash',
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    const indexKey = `release/${VERSION}/index.json`;
    expect(await storage.stat(indexKey)).toBeUndefined();
    const before: string[] = [];
    for await (const o of storage.list(`release/${VERSION}/`)) before.push(o.key);
    expect(before.length).toBeGreaterThanOrEqual(4);

    const layout = parseLayout('kubernetes');
    const result = await publishBinaries(
      {
        sourceDir: source,
        version: VERSION,
        destinations: [{ name: 'crash', storage, keyFor: (p) => keyFor(layout, VERSION, p) }],
        checksums: true,
        cacheControl: IMMUTABLE_CACHE_CONTROL,
        contentTypeOf: contentTypeFor,
        concurrency: 8,
        dryRun: false,
      },
      new RecordingLogger(),
    );
    const [dest] = result.destinations;
    expect(dest?.skipped).toBeGreaterThanOrEqual(4);
    expect(dest?.uploaded).toBeLessThan(result.files.length + 1);

    // Every file the index lists is there with its digest (full read, not metadata).
    const index = JSON.parse((await storage.read(indexKey))?.data.toString() ?? '{}') as IndexDocument;
    expect(index.files).toHaveLength(result.files.length);
    for (const file of index.files) {
      const digests = await hashStream(await storage.stream(`release/${VERSION}/${file.path}`));
      expect(digests.sha256, file.path).toBe(file.sha256);
    }
  });
});
