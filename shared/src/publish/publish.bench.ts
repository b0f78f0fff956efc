/**
 * Benchmark: a generated Kubernetes-shaped tree (200 files, 256 MiB, plus their checksum files) published
 * to a folder and to s3rver on loopback — first publish and a no-change rerun — and,
 * when rclone is installed, `rclone copy` of the same tree to the same s3rver
 * (first copy and no-change rerun), so the figures can be compared in one run.
 * The headline figures (filesPerSecond, mbPerSecond, rerunMs) are for s3rver.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeChecksumFiles } from '../checksums/index.ts';
import { hashFile } from '../core/hash.ts';
import type { Logger } from '../core/logger.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { S3Storage } from '../storage/s3-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import { publishBinaries } from './publish.ts';
import { makeReleaseTree } from './release-tree.fixture.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

const VERSION = 'v1.31.2';
const SOURCE_FILES = 200;
const TOTAL_BYTES = 256 * 1024 * 1024;

const quiet: Logger = { info: () => {}, warning: () => {}, debug: () => {}, group: (_t, fn) => fn() };

async function timePublish(
  source: string,
  storage: Storage,
): Promise<{ ms: number; files: number; bytes: number; uploaded: number }> {
  const layout = parseLayout('kubernetes');
  const started = performance.now();
  const result = await publishBinaries(
    {
      sourceDir: source,
      version: VERSION,
      destinations: [{ name: storage.location, storage, keyFor: (p) => keyFor(layout, VERSION, p) }],
      checksums: true,
      cacheControl: IMMUTABLE_CACHE_CONTROL,
      contentTypeOf: contentTypeFor,
      concurrency: 8,
      dryRun: false,
    },
    quiet,
  );
  const ms = performance.now() - started;
  const bytes = result.files.reduce((n, f) => n + f.size, 0);
  return { ms, files: result.files.length, bytes, uploaded: result.destinations[0]?.uploaded ?? 0 };
}

/**
 * s3rver in its own process, as rclone would meet it: in this process it would share one thread with the
 * publisher (hashing, planning) and the comparison would measure that instead.
 */
async function startS3rverProcess(buckets: string[]): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const helper = new URL('../testing/s3rver.ts', import.meta.url).href;
  const script = `const { startS3rver } = await import(${JSON.stringify(helper)});
const s3 = await startS3rver({ buckets: ${JSON.stringify(buckets)} });
process.on('SIGTERM', () => s3.stop().then(() => process.exit(0)));
console.log(s3.endpoint);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return {
    endpoint: line.toString().trim(),
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** rclone runs asynchronously (it is a child process; this one keeps its event loop). */
async function rcloneCopy(source: string, endpoint: string, bucket: string): Promise<number | undefined> {
  const remote = `:s3,provider=Other,endpoint='${endpoint}',force_path_style=true,access_key_id=S3RVER,secret_access_key=S3RVER:${bucket}/release/${VERSION}`;
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE;
  const started = performance.now();
  try {
    await promisify(execFile)('rclone', ['copy', '--transfers', '8', source, remote], { env, timeout: 300_000 });
  } catch {
    return undefined;
  }
  return performance.now() - started;
}

export async function benchPublish(): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(tmpdir(), 'bench-publish-'));
  const s3 = await startS3rverProcess(['bench', 'rclone']);
  try {
    const source = path.join(work, 'source');
    const extras = 6;
    const staged = await makeReleaseTree(source, {
      binaries: SOURCE_FILES - extras,
      binarySize: Math.floor(TOTAL_BYTES / (SOURCE_FILES - extras)),
    });
    // As Kubernetes stages it: SHA256SUMS/SHA512SUMS and a .sha256/.sha512 beside every file, so both tools copy
    // the same tree (publish-binaries checks these files instead of making them).
    const digests = await Promise.all(staged.map(async (p) => ({ path: p, ...(await hashFile(path.join(source, p))) })));
    await writeChecksumFiles(source, digests);
    const bucket = new S3Storage({
      bucket: 'bench',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const folder = new FileStorage(path.join(work, 'mirror'));

    const s3First = await timePublish(source, bucket);
    const s3Rerun = await timePublish(source, bucket);
    const fileFirst = await timePublish(source, folder);
    const fileRerun = await timePublish(source, folder);
    const rcloneFirst = await rcloneCopy(source, s3.endpoint, 'rclone');
    const rcloneRerun = rcloneFirst === undefined ? undefined : await rcloneCopy(source, s3.endpoint, 'rclone');
    const mib = s3First.bytes / 1024 / 1024;
    return {
      files: s3First.files,
      mib: Number(mib.toFixed(1)),
      filesPerSecond: Math.round(s3First.files / (s3First.ms / 1000)),
      mbPerSecond: Number((mib / (s3First.ms / 1000)).toFixed(1)),
      firstMs: Math.round(s3First.ms),
      rerunMs: Math.round(s3Rerun.ms),
      rerunUploaded: s3Rerun.uploaded,
      file: { firstMs: Math.round(fileFirst.ms), rerunMs: Math.round(fileRerun.ms) },
      rclone:
        rcloneFirst === undefined
          ? 'not available (apt-get install rclone)'
          : {
              firstMs: Math.round(rcloneFirst),
              rerunMs: Math.round(rcloneRerun ?? Number.NaN),
              firstRatio: Number((s3First.ms / rcloneFirst).toFixed(2)),
              rerunRatio: rcloneRerun ? Number((s3Rerun.ms / rcloneRerun).toFixed(2)) : null,
            },
    };
  } finally {
    await s3.stop();
    await rm(work, { recursive: true, force: true });
  }
}
