/** What publishBinaries refuses once the tree is read, before anything is written to any destination. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashBytes } from '../core/hash.ts';
import { RecordingLogger } from '../core/logger.ts';
import type { FileSubject } from '../manifest/manifest.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import { type PublishOptions, publishBinaries } from './publish.ts';
import { contentFor, makeReleaseTree } from './release-tree.fixture.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

const VERSION = 'v1.31.2';
let work: string;
let source: string;
let dest: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-refusals-'));
  source = path.join(work, 'release');
  dest = path.join(work, 'dest');
  await makeReleaseTree(source);
});
afterEach(() => rm(work, { recursive: true, force: true }));

function options(manifestFiles?: FileSubject[]): PublishOptions {
  const layout = parseLayout('kubernetes');
  return {
    sourceDir: source,
    version: VERSION,
    destinations: [{ name: dest, storage: new FileStorage(dest), keyFor: (p) => keyFor(layout, VERSION, p) }],
    checksums: true,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
    contentTypeOf: contentTypeFor,
    concurrency: 4,
    dryRun: false,
    ...(manifestFiles ? { manifest: { files: manifestFiles, workspace: work } } : {}),
  };
}

/** A manifest subject for `relative` (in the tree) recording `bytes`. */
function subject(relative: string, bytes: Buffer): FileSubject {
  const { size, sha256, sha512 } = hashBytes(bytes);
  return { path: `release/${relative}`, size, sha256, sha512 };
}

describe('publishBinaries with a release manifest', () => {
  const tarball = () => contentFor('kubernetes.tar.gz', 4096);

  it('publishes a tree whose files the manifest records with their bytes', async () => {
    await publishBinaries(options([subject('kubernetes.tar.gz', tarball())]), new RecordingLogger());
    expect(existsSync(path.join(dest, 'release', VERSION, 'index.json'))).toBe(true);
  });

  it.each([
    ['other bytes', () => subject('kubernetes.tar.gz', Buffer.from('an earlier build'))],
    ['another size', () => ({ ...subject('kubernetes.tar.gz', tarball()), size: 1 })],
    // A checksum file the run makes is known once every file is hashed: still before anything is sent.
    ['other bytes for a checksum file the run makes', () => subject('SHA256SUMS', Buffer.from('a list of other files\n'))],
  ])('refuses a file the manifest records with %s, writing nothing', async (_, recorded) => {
    const { path: where } = recorded();
    const error = await publishBinaries(options([recorded()]), new RecordingLogger()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(`${where} (release manifest`) });
    expect(existsSync(dest)).toBe(false);
  });
});

describe('publishBinaries with a special file in the tree', () => {
  it('refuses a FIFO in source-dir, writing nothing: a release silently without it is worse', async () => {
    execFileSync('mkfifo', [path.join(source, 'bin', 'kubectl.pipe')]);
    await expect(publishBinaries(options(), new RecordingLogger())).rejects.toMatchObject({
      code: 'PATH_UNSAFE',
      path: 'bin/kubectl.pipe',
    });
    expect(existsSync(dest)).toBe(false);
  });
});
