import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashFile, sha256Hex } from '../core/hash.ts';
import { RecordingLogger } from '../core/logger.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { GitHubReleaseStorage } from '../storage/github-release-storage.ts';
import type { Body, ObjectInfo, PutOptions, Storage } from '../storage/storage.ts';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import type { Destination } from './plan.ts';
import { type PublishOptions, publishBinaries } from './publish.ts';
import type { IndexDocument } from './release-index.ts';
import { makeReleaseTree } from './release-tree.fixture.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

const VERSION = 'v1.31.2';
let work: string;
let source: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-'));
  source = path.join(work, 'source');
  await makeReleaseTree(source);
});
afterEach(() => rm(work, { recursive: true, force: true }));

/** A store that records the order of writes and can be told to fail or lie. */
class WatchedStorage implements Storage {
  readonly inner: FileStorage;
  readonly puts: string[] = [];
  failAfter = Number.POSITIVE_INFINITY;
  lieAbout: string | undefined;
  listFails = false;
  constructor(root: string) {
    this.inner = new FileStorage(root);
  }
  get location() {
    return this.inner.location;
  }
  urlFor(key: string) {
    return this.inner.urlFor(key);
  }
  capabilities() {
    return this.inner.capabilities();
  }
  async stat(key: string): Promise<ObjectInfo | undefined> {
    const info = await this.inner.stat(key);
    return info && key === this.lieAbout ? { ...info, sha256: '0'.repeat(64) } : info;
  }
  read(key: string) {
    return this.inner.read(key);
  }
  stream(key: string) {
    return this.inner.stream(key);
  }
  /** Another run's index, written just before this run's own (`same`: the very bytes this run writes). */
  concurrentIndex: Buffer | 'same' | undefined;
  async put(key: string, body: Body, options: PutOptions) {
    if (this.puts.length >= this.failAfter) throw Object.assign(new Error('disk gone'), { code: 'EIO' });
    this.puts.push(key);
    if (key.endsWith('/index.json') && this.concurrentIndex && 'data' in body) {
      const data = this.concurrentIndex === 'same' ? body.data : this.concurrentIndex;
      await this.inner.put(key, { data }, { sha256: sha256Hex(data), size: data.length });
      this.concurrentIndex = undefined;
    }
    return this.inner.put(key, body, options);
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    if (this.listFails) throw Object.assign(new Error('AccessDenied'), { $metadata: { httpStatusCode: 403 } });
    for await (const info of this.inner.list(prefix))
      yield info.key === this.lieAbout ? { ...info, sha256: '0'.repeat(64) } : info;
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
}

function destination(storage: Storage, layout = 'kubernetes'): Destination {
  const parsed = parseLayout(layout);
  return { name: storage.location, storage, keyFor: (p) => keyFor(parsed, VERSION, p) };
}

function options(destinations: Destination[], overrides: Partial<PublishOptions> = {}): PublishOptions {
  return {
    sourceDir: source,
    version: VERSION,
    destinations,
    checksums: true,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
    contentTypeOf: contentTypeFor,
    concurrency: 4,
    dryRun: false,
    ...overrides,
  };
}

async function filesBelow(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (
    (await readdir(dir, { recursive: true, withFileTypes: true })) as Array<{
      isFile(): boolean;
      parentPath: string;
      name: string;
    }>
  )
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('publishBinaries to folders', () => {
  it('publishes the dl.k8s.io layout with checksums and the index last, to every mirror; a rerun uploads nothing', async () => {
    const a = new WatchedStorage(path.join(work, 'a'));
    const b = new WatchedStorage(path.join(work, 'b'));
    const logger = new RecordingLogger();
    const result = await publishBinaries(options([destination(a), destination(b)]), logger);

    const release = path.join(work, 'a', 'release', VERSION);
    const kubectl = await readFile(path.join(release, 'bin/linux/amd64/kubectl'));
    const digest = await readFile(path.join(release, 'bin/linux/amd64/kubectl.sha256'), 'utf8');
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).toBe(result.files.find((f) => f.path === 'bin/linux/amd64/kubectl')?.sha256);
    expect(kubectl.length).toBe(64 * 1024);
    const sums = await readFile(path.join(release, 'SHA256SUMS'), 'utf8');
    expect(sums).toContain(`${digest}  bin/linux/amd64/kubectl\n`);
    execFileSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: release });
    execFileSync('sha512sum', ['--quiet', '-c', 'SHA512SUMS'], { cwd: release });
    execFileSync('sh', ['-c', 'echo "$(cat kubectl.sha256)  kubectl" | sha256sum -c --quiet'], {
      cwd: path.join(release, 'bin/linux/amd64'),
    });

    // The index lists every file, and was the last write at each destination.
    const index = JSON.parse(await readFile(path.join(release, 'index.json'), 'utf8')) as IndexDocument;
    const published = (await filesBelow(release)).filter((f) => f !== 'index.json');
    expect(index.files.map((f) => f.path)).toEqual(published);
    expect(index.files.find((f) => f.path === 'bin/linux/amd64/kubectl')?.url).toBe(
      a.urlFor(`release/${VERSION}/bin/linux/amd64/kubectl`),
    );
    for (const store of [a, b]) expect(store.puts.at(-1)).toBe(`release/${VERSION}/index.json`);
    expect(result.destinations.map((d) => d.uploaded)).toEqual([published.length + 1, published.length + 1]);
    expect(await filesBelow(source)).not.toContain('SHA256SUMS');

    const rerun = await publishBinaries(options([destination(a), destination(b)]), new RecordingLogger());
    for (const d of rerun.destinations) {
      expect(d).toMatchObject({ uploaded: 0, bytesUploaded: 0, skipped: published.length + 1 });
    }
    expect(a.puts).toHaveLength(published.length + 1);
  });

  it('a rerun over a published release says its files were checked by size only, not that all verified', async () => {
    const a = new WatchedStorage(path.join(work, 'a'));
    await publishBinaries(options([destination(a)]), new RecordingLogger());
    // Other bytes of the same size: the shortcut cannot see it, so the rerun must not claim it verified them.
    const kubectl = path.join(work, 'a', 'release', VERSION, 'bin/linux/amd64/kubectl');
    await writeFile(kubectl, Buffer.alloc((await readFile(kubectl)).length, 0x41));
    const logger = new RecordingLogger();
    const rerun = await publishBinaries(options([destination(a)]), logger);
    expect(rerun.destinations[0]).toMatchObject({ uploaded: 0 });
    const last = logger.lines.find((l) => l.includes(' skipped, ')) ?? '';
    expect(last).not.toContain('all verified');
    expect(last).toContain('checked by size against the release index only (contents not re-read)');
  });

  it('plans by stat when the store refuses to list (no s3:ListBucket)', async () => {
    const store = new WatchedStorage(path.join(work, 'dest'));
    store.listFails = true;
    const first = await publishBinaries(options([destination(store)]), new RecordingLogger());
    const rerun = await publishBinaries(options([destination(store)]), new RecordingLogger());
    expect(rerun.destinations[0]).toMatchObject({ uploaded: 0, skipped: first.files.length + 1 });
  });

  it('dry-run prints the exact plan and writes nothing', async () => {
    const logger = new RecordingLogger();
    const result = await publishBinaries(
      options([destination(new FileStorage(path.join(work, 'dest')))], { dryRun: true }),
      logger,
    );
    expect(await filesBelow(path.join(work, 'dest'))).toEqual([]);
    expect(logger.lines).toContain(
      `upload release/${VERSION}/bin/linux/amd64/kubectl (new, 64.0 KiB) → ${new FileStorage(path.join(work, 'dest')).urlFor(`release/${VERSION}/bin/linux/amd64/kubectl`)}`,
    );
    expect(logger.lines.filter((l) => l.startsWith('upload '))).toHaveLength(result.files.length + 1);
  });

  it('keeps checksum files the tree has, and refuses one that disagrees with its file (nothing uploaded)', async () => {
    const dest = path.join(work, 'dest');
    await writeFile(path.join(source, 'kubernetes.tar.gz.sha256'), 'f'.repeat(64));
    await expect(publishBinaries(options([destination(new FileStorage(dest))]), new RecordingLogger())).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    await writeFile(path.join(source, 'SHA256SUMS'), `${'0'.repeat(64)}  provenance.json\n`);
    await rm(path.join(source, 'kubernetes.tar.gz.sha256'));
    await expect(publishBinaries(options([destination(new FileStorage(dest))]), new RecordingLogger())).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    expect(await filesBelow(dest)).toEqual([]);
  });

  it('refuses a wrong .sha512 of a right file before any SHA-512 checksum file, a checksum file it makes or the index is written', async () => {
    const dest = path.join(work, 'dest');
    const kubectl = path.join(source, 'bin/linux/amd64/kubectl');
    await writeFile(`${kubectl}.sha256`, (await hashFile(kubectl)).sha256);
    await writeFile(`${kubectl}.sha512`, 'e'.repeat(128));
    await expect(publishBinaries(options([destination(new FileStorage(dest))]), new RecordingLogger())).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
    });
    // The tree's .sha256 files were checked before the first upload, and may have gone with the files.
    const written = await filesBelow(dest);
    expect(written.filter((f) => /\.sha512$|SUMS|index\.json$/.test(f))).toEqual([]);
  });

  it('refuses a symlink leaving the tree', async () => {
    await symlink('/etc/passwd', path.join(source, 'bin', 'passwd'));
    const dest = path.join(work, 'dest');
    await expect(publishBinaries(options([destination(new FileStorage(dest))]), new RecordingLogger())).rejects.toMatchObject({
      code: 'PATH_UNSAFE',
    });
    expect(await filesBelow(dest)).toEqual([]);
  });

  it('refuses, before writing to any mirror, a tree another mirror cannot hold (an asset name GitHub refuses, two paths at one asset)', async () => {
    const github = new GitHubReleaseStorage(
      { owner: 'kubernetes', repo: 'kubernetes', tag: VERSION },
      // Nothing listens there: the names are refused before any request.
      { token: 'unused', apiUrl: 'http://127.0.0.1:9/api/v3' },
    );
    const dest = path.join(work, 'dest');
    const publish = () =>
      publishBinaries(options([destination(new FileStorage(dest)), destination(github)]), new RecordingLogger());

    await writeFile(path.join(source, 'kubectl (1).tar.gz'), 'copy');
    await expect(publish()).rejects.toMatchObject({
      input: 'source-dir',
      message: expect.stringMatching(
        /kubectl \(1\)\.tar\.gz cannot be published to github-release:\/\/kubernetes\/kubernetes@v1\.31\.2: .*asset name/,
      ),
    });
    expect(await filesBelow(dest)).toEqual([]);

    await rm(path.join(source, 'kubectl (1).tar.gz'));
    await mkdir(path.join(source, 'bin-linux', 'amd64'), { recursive: true });
    await writeFile(path.join(source, 'bin-linux', 'amd64', 'kubectl'), 'other');
    await expect(publish()).rejects.toMatchObject({
      message: expect.stringMatching(
        /bin-linux\/amd64\/kubectl and bin\/linux\/amd64\/kubectl|bin\/linux\/amd64\/kubectl and bin-linux\/amd64\/kubectl/,
      ),
    });
    expect(await filesBelow(dest)).toEqual([]);
  });

  it('leaves no index when uploads fail midway, and a rerun completes only what is missing', async () => {
    const store = new WatchedStorage(path.join(work, 'dest'));
    store.failAfter = 5;
    await expect(publishBinaries(options([destination(store)], { concurrency: 1 }), new RecordingLogger())).rejects.toBeDefined();
    expect(existsSync(path.join(work, 'dest', 'release', VERSION, 'index.json'))).toBe(false);
    expect(store.puts).toHaveLength(5);

    store.failAfter = Number.POSITIVE_INFINITY;
    const result = await publishBinaries(options([destination(store)]), new RecordingLogger());
    expect(result.destinations[0]?.skipped).toBe(5);
    expect(existsSync(path.join(work, 'dest', 'release', VERSION, 'index.json'))).toBe(true);
  });

  it('fails verification when the store does not hold what was sent, and writes no index', async () => {
    const store = new WatchedStorage(path.join(work, 'dest'));
    store.lieAbout = `release/${VERSION}/provenance.json`;
    const error = await publishBinaries(options([destination(store)]), new RecordingLogger()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VERIFICATION_FAILED', mismatches: [{ key: store.lieAbout }] });
    expect(store.puts).not.toContain(`release/${VERSION}/index.json`);
  });

  it('refuses to change a release that is already published, and completes the other mirrors', async () => {
    const a = new FileStorage(path.join(work, 'a'));
    await publishBinaries(options([destination(a)]), new RecordingLogger());
    await writeFile(path.join(source, 'provenance.json'), '{"changed":true}\n');
    const b = new FileStorage(path.join(work, 'b'));
    const error = await publishBinaries(options([destination(a), destination(b)]), new RecordingLogger()).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'RELEASE_CONFLICT' });
    expect(existsSync(path.join(work, 'b', 'release', VERSION, 'index.json'))).toBe(true);
  });

  it("writes the index only where there is none: another run's index is a RELEASE_CONFLICT, the same one is fine", async () => {
    const racing = new WatchedStorage(path.join(work, 'racing'));
    racing.concurrentIndex = Buffer.from('{"version":"v1.31.2","files":[]}');
    await expect(publishBinaries(options([destination(racing)]), new RecordingLogger())).rejects.toMatchObject({
      code: 'RELEASE_CONFLICT',
    });
    expect(await readFile(path.join(work, 'racing', 'release', VERSION, 'index.json'), 'utf8')).toBe(
      '{"version":"v1.31.2","files":[]}',
    );
    const same = new WatchedStorage(path.join(work, 'same'));
    same.concurrentIndex = 'same';
    const result = await publishBinaries(options([destination(same)]), new RecordingLogger());
    expect(result.destinations[0]?.indexUrl).toContain('index.json');
  });

  it('reports every failing mirror when several fail', async () => {
    const [a, b] = [new WatchedStorage(path.join(work, 'a')), new WatchedStorage(path.join(work, 'b'))];
    a.failAfter = 0;
    b.failAfter = 0;
    const error = await publishBinaries(options([destination(a), destination(b)]), new RecordingLogger()).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      name: 'DestinationsFailedError',
      failures: [{ location: a.location }, { location: b.location }],
    });
  });

  it('with checksums off publishes the tree as it is', async () => {
    const result = await publishBinaries(
      options([destination(new FileStorage(path.join(work, 'dest')))], { checksums: false }),
      new RecordingLogger(),
    );
    expect(result.files.some((f) => f.generated)).toBe(false);
    expect(await filesBelow(path.join(work, 'dest', 'release', VERSION))).toEqual(
      [...(await filesBelow(source)), 'index.json'].sort(),
    );
  });

  it('maps paths through a template layout', async () => {
    const store = new FileStorage(path.join(work, 'dest'));
    await publishBinaries(options([destination(store, 'k8s/{version}/files/{path}')]), new RecordingLogger());
    expect(existsSync(path.join(work, 'dest', 'k8s', VERSION, 'files', 'bin/linux/amd64/kubectl'))).toBe(true);
    expect(existsSync(path.join(work, 'dest', 'k8s', VERSION, 'files', 'index.json'))).toBe(true);
  });
});
