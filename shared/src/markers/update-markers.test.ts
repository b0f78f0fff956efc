import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { RecordingLogger } from '../core/logger.ts';
import { emptyManifest, type ReleaseManifest } from '../manifest/manifest.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { S3Storage } from '../storage/s3-storage.ts';
import type { Body, ObjectInfo, PutOptions, Storage } from '../storage/storage.ts';
import { type S3rverHandle, startS3rver } from '../testing/s3rver.ts';
import { parseIndex } from './markers-index.ts';
import { type UpdateMarkersOptions, updateMarkers } from './update-markers.ts';
import { parseVersion, type Version } from './version.ts';

/** A real FileStorage that also records every put, to prove what was (not) written. */
class RecordingStorage extends FileStorage {
  readonly puts: { key: string; options: PutOptions }[] = [];
  override async put(key: string, body: Body, options: PutOptions): Promise<ObjectInfo> {
    const info = await super.put(key, body, options);
    this.puts.push({ key, options });
    return info;
  }
}

const v = (text: string): Version => {
  const version = parseVersion(text, { requireV: true });
  if (!version) throw new Error(`bad test version ${text}`);
  return version;
};

let dir: string;
let storage: RecordingStorage;
let logger: RecordingLogger;

async function publishRelease(store: Storage, key: string): Promise<void> {
  const data = Buffer.from('{}');
  await store.put(key, { data }, { sha256: sha256Hex(data), size: data.length });
}

async function marker(key: string): Promise<string | undefined> {
  return readFile(path.join(dir, key), 'utf8').catch(() => undefined);
}

function options(overrides: Partial<UpdateMarkersOptions> = {}): UpdateMarkersOptions {
  return {
    storage,
    versions: [v('v1.31.2')],
    buildType: 'release',
    root: 'release',
    fast: false,
    extraMarkers: [],
    allowDowngrade: false,
    requireIndex: true,
    dryRun: false,
    now: () => new Date('2026-11-25T12:00:00Z'),
    ...overrides,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'markers-'));
  storage = new RecordingStorage(dir);
  logger = new RecordingLogger();
  for (const release of ['v1.31.1', 'v1.31.2', 'v1.30.9', 'v1.32.0-rc.0', 'v1.33.0-alpha.0']) {
    await publishRelease(storage, `release/${release}/index.json`);
  }
  storage.puts.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('updateMarkers against a file:// destination', () => {
  it('writes each marker as the bare version with its metadata, then the index', async () => {
    const result = await updateMarkers(options(), logger);
    expect(await marker('release/stable.txt')).toBe('v1.31.2');
    expect(await marker('release/stable-1.txt')).toBe('v1.31.2');
    expect(await marker('release/stable-1.31.txt')).toBe('v1.31.2');
    expect(await marker('release/latest.txt')).toBeUndefined();
    const markerPuts = storage.puts.filter((p) => p.key.endsWith('.txt'));
    expect(markerPuts.map((p) => p.key)).toEqual(['release/stable.txt', 'release/stable-1.txt', 'release/stable-1.31.txt']);
    for (const p of markerPuts) {
      expect(p.options).toMatchObject({
        contentType: 'text/plain',
        cacheControl: 'private, max-age=0, no-transform',
        ifNoneMatch: '*',
      });
    }
    expect(result.updated).toEqual({
      'release/stable.txt': { from: null, to: 'v1.31.2' },
      'release/stable-1.txt': { from: null, to: 'v1.31.2' },
      'release/stable-1.31.txt': { from: null, to: 'v1.31.2' },
    });
    expect(result.index).toMatchObject({ key: 'release/markers.json', written: true });
    expect(storage.puts.at(-1)?.key).toBe('release/markers.json');
    expect(JSON.parse((await marker('release/markers.json')) as string)).toEqual({
      schemaVersion: 1,
      root: 'release',
      markers: {
        'stable-1.31.txt': { value: 'v1.31.2', type: 'stable', updatedAt: '2026-11-25T12:00:00Z' },
        'stable-1.txt': { value: 'v1.31.2', type: 'stable', updatedAt: '2026-11-25T12:00:00Z' },
        'stable.txt': { value: 'v1.31.2', type: 'stable', updatedAt: '2026-11-25T12:00:00Z' },
      },
    });
  });

  it('updates an existing marker conditionally on the ETag it read', async () => {
    await updateMarkers(options({ versions: [v('v1.31.1')] }), logger);
    storage.puts.length = 0;
    const result = await updateMarkers(options(), logger);
    expect(result.updated['release/stable.txt']).toEqual({ from: 'v1.31.1', to: 'v1.31.2' });
    expect(storage.puts[0]?.options.ifMatch).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a rerun writes nothing, not even the index, and says so', async () => {
    await updateMarkers(options({ versions: [v('v1.31.2'), v('v1.32.0-rc.0')] }), logger);
    storage.puts.length = 0;
    const rerun = await updateMarkers(options({ versions: [v('v1.31.2'), v('v1.32.0-rc.0')] }), logger);
    expect(storage.puts).toEqual([]);
    expect(rerun.updated).toEqual({});
    expect(Object.keys(rerun.skipped)).toHaveLength(6);
    expect(rerun.index.written).toBe(false);
    expect(logger.lines).toContain('Every marker was already up to date: nothing written');
  });

  it('applies several versions in order (a branch cut) and keeps the index complete', async () => {
    const result = await updateMarkers(options({ versions: [v('v1.32.0-rc.0'), v('v1.33.0-alpha.0')] }), logger);
    expect(await marker('release/latest.txt')).toBe('v1.33.0-alpha.0');
    expect(await marker('release/latest-1.32.txt')).toBe('v1.32.0-rc.0');
    expect(result.updated['release/latest.txt']).toEqual({ from: null, to: 'v1.33.0-alpha.0' });
    await updateMarkers(options({ versions: [v('v1.30.9')] }), logger);
    const index = parseIndex(await marker('release/markers.json'));
    expect(Object.keys(index).sort()).toEqual([
      'latest-1.32.txt',
      'latest-1.33.txt',
      'latest-1.txt',
      'latest.txt',
      'stable-1.30.txt',
      'stable-1.txt',
      'stable.txt',
    ]);
    expect(index['latest.txt']).toMatchObject({ value: 'v1.33.0-alpha.0', type: 'latest' });
  });

  it('fails on a missing release directory and writes nothing', async () => {
    await expect(updateMarkers(options({ versions: [v('v1.31.2'), v('v1.31.3')] }), logger)).rejects.toMatchObject({
      code: 'RELEASE_MISSING',
      version: 'v1.31.3',
    });
    expect(storage.puts).toEqual([]);
    expect(await marker('release/stable.txt')).toBeUndefined();
  });

  it('treats a release folder without index.json as not published', async () => {
    await publishRelease(storage, 'release/v1.31.5/bin/linux/amd64/kubectl');
    storage.puts.length = 0;
    await expect(updateMarkers(options({ versions: [v('v1.31.5')] }), logger)).rejects.toMatchObject({
      code: 'RELEASE_MISSING',
      message: expect.stringContaining('release/v1.31.5/index.json (written last by publish-binaries) is missing'),
    });
    expect(storage.puts).toEqual([]);
  });

  it('without require-index: the folder is enough, unless the manifest says publish-binaries published there', async () => {
    await publishRelease(storage, 'release/v1.31.5/bin/linux/amd64/kubectl');
    storage.puts.length = 0;
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest: ReleaseManifest = {
      ...emptyManifest(),
      files: [
        {
          path: 'bin/linux/amd64/kubectl',
          size: 2,
          sha256: '0'.repeat(64),
          sha512: '0'.repeat(128),
          produced: { published: [storage.urlFor('release/v1.31.5/bin/linux/amd64/kubectl')] },
        },
      ],
    };
    await writeFile(manifestFile, JSON.stringify(manifest));
    const legacy = { versions: [v('v1.31.5')], requireIndex: false };
    await expect(updateMarkers(options({ ...legacy, manifest: manifestFile }), logger)).rejects.toMatchObject({
      code: 'RELEASE_MISSING',
    });
    expect(storage.puts).toEqual([]);
    // Without the manifest the folder alone is enough (a release published by other tools).
    await updateMarkers(options(legacy), logger);
    expect(await marker('release/stable.txt')).toBe('v1.31.5');
  });

  it('drops an index entry that escapes the root, says so, and rebuilds the index; a rerun succeeds too', async () => {
    const hostile = { schemaVersion: 1, root: 'release', markers: { '../../../tmp/x': { value: 'v1.0.0', type: 'extra' } } };
    await writeFile(path.join(dir, 'release', 'markers.json'), JSON.stringify(hostile));
    const result = await updateMarkers(options(), logger);
    expect(result.index.written).toBe(true);
    expect(logger.lines.some((l) => l.includes('"../../../tmp/x"') && l.includes('dropped'))).toBe(true);
    expect(Object.keys(parseIndex(await marker('release/markers.json')))).toEqual([
      'stable-1.31.txt',
      'stable-1.txt',
      'stable.txt',
    ]);
    await expect(updateMarkers(options(), logger)).resolves.toMatchObject({ index: { written: false } });
  });

  it('fails on an existing marker that is not a version, before writing any marker', async () => {
    await writeFile(path.join(dir, 'release', 'stable-1.31.txt'), '<Error>NoSuchKey</Error>');
    await expect(updateMarkers(options(), logger)).rejects.toMatchObject({
      code: 'MARKER_INVALID',
      key: 'release/stable-1.31.txt',
    });
    expect(storage.puts).toEqual([]);
    expect(await marker('release/stable.txt')).toBeUndefined();
  });

  it('dry-run prints the decisions and writes nothing', async () => {
    await updateMarkers(options({ versions: [v('v1.31.1')] }), logger);
    storage.puts.length = 0;
    logger = new RecordingLogger();
    const result = await updateMarkers(options({ dryRun: true, versions: [v('v1.31.2'), v('v1.30.9')] }), logger);
    expect(storage.puts).toEqual([]);
    expect(await marker('release/stable.txt')).toBe('v1.31.1');
    expect(result.dryRun).toBe(true);
    expect(result.updated).toEqual({
      'release/stable.txt': { from: 'v1.31.1', to: 'v1.31.2' },
      'release/stable-1.txt': { from: 'v1.31.1', to: 'v1.31.2' },
      'release/stable-1.31.txt': { from: 'v1.31.1', to: 'v1.31.2' },
      'release/stable-1.30.txt': { from: null, to: 'v1.30.9' },
    });
    expect(result.skipped).toEqual({});
    expect(logger.lines).toContain('v1.31.2: update release/stable.txt: v1.31.1 → v1.31.2 (v1.31.2 is newer)');
    expect(logger.lines).toContain('v1.30.9: skip release/stable.txt (v1.31.2 is newer)');
  });

  it('allow-downgrade moves a marker backwards, loudly', async () => {
    await updateMarkers(options(), logger);
    const result = await updateMarkers(options({ versions: [v('v1.31.1')], allowDowngrade: true }), logger);
    expect(await marker('release/stable.txt')).toBe('v1.31.1');
    expect(result.decisions[0]).toMatchObject({ action: 'downgrade', from: 'v1.31.2', to: 'v1.31.1' });
    expect(logger.lines.filter((l) => l.startsWith('warning:') && l.includes('BACKWARDS'))).toHaveLength(1);
    expect(logger.lines.filter((l) => l.startsWith('warning: DOWNGRADE'))).toHaveLength(3);
  });

  it('allow-downgrade with several versions moves each marker once, to the last version naming it; a rerun writes nothing', async () => {
    const rollback = options({ versions: [v('v1.32.0-rc.0'), v('v1.33.0-alpha.0')], allowDowngrade: true });
    await updateMarkers(options({ versions: [v('v1.33.0-alpha.0')] }), logger);
    storage.puts.length = 0;
    const first = await updateMarkers(rollback, logger);
    expect(await marker('release/latest.txt')).toBe('v1.33.0-alpha.0');
    expect(await marker('release/latest-1.32.txt')).toBe('v1.32.0-rc.0');
    expect(first.decisions.filter((d) => d.action === 'downgrade')).toEqual([]);
    expect(storage.puts.map((p) => p.key).filter((k) => k.endsWith('.txt'))).toEqual(['release/latest-1.32.txt']);
    storage.puts.length = 0;
    const rerun = await updateMarkers(rollback, logger);
    expect(storage.puts).toEqual([]);
    expect(rerun.updated).toEqual({});
  });

  it('allow-downgrade does not rewrite a marker of equal precedence (other build metadata)', async () => {
    const ci = { buildType: 'ci' as const, root: 'ci' };
    await publishRelease(storage, 'ci/v1.33.0-alpha.0.5+aaa/index.json');
    await publishRelease(storage, 'ci/v1.33.0-alpha.0.5+bbb/index.json');
    await updateMarkers(options({ ...ci, versions: [v('v1.33.0-alpha.0.5+aaa')] }), logger);
    storage.puts.length = 0;
    const again = await updateMarkers(options({ ...ci, versions: [v('v1.33.0-alpha.0.5+bbb')], allowDowngrade: true }), logger);
    expect(storage.puts).toEqual([]);
    expect(again.decisions.every((d) => d.action === 'skip' && d.reason.includes('equivalent'))).toBe(true);
  });

  it('a fast build writes only <root>/fast/<type>-fast.txt, after checking <root>/fast/<version>/', async () => {
    const ci = { buildType: 'ci' as const, root: 'ci', fast: true, versions: [v('v1.33.0-alpha.0.5+abc')] };
    await expect(updateMarkers(options(ci), logger)).rejects.toMatchObject({ code: 'RELEASE_MISSING' });
    await publishRelease(storage, 'ci/fast/v1.33.0-alpha.0.5+abc/index.json');
    await updateMarkers(options(ci), logger);
    expect(await marker('ci/fast/latest-fast.txt')).toBe('v1.33.0-alpha.0.5+abc');
    expect(Object.keys(parseIndex(await marker('ci/markers.json')))).toEqual(['fast/latest-fast.txt']);
  });
});

/** A read-back that succeeds ends when the CDN serves the value: a deadline far off costs nothing on a busy machine. */
const SERVED_IN_TIME = 30_000;

describe('CDN purge and read-back', () => {
  let server: Server;
  let base: string;
  const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  /** How many more GETs serve a stale value (`stale`) before the real one. */
  let staleReads = 0;
  let stale = 'v1.0.0';
  /** How many more GETs the CDN answers 503. */
  let failingReads = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', async () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (req.method === 'POST') {
          res.writeHead(req.headers['fastly-key'] === 'purge-token-123' ? 200 : 401).end('{"status":"ok"}');
          return;
        }
        if (failingReads > 0) {
          failingReads--;
          res.writeHead(503).end('busy');
          return;
        }
        if (staleReads > 0) {
          staleReads--;
          res.writeHead(200).end(stale);
          return;
        }
        const served = await readFile(path.join(dir, decodeURIComponent(req.url ?? '')), 'utf8').catch(() => undefined);
        res.writeHead(served === undefined ? 404 : 200).end(served ?? 'not found');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests.length = 0;
    staleReads = 0;
    failingReads = 0;
    stale = 'v1.0.0';
  });

  it('purges the changed keys with the token, then polls until every marker serves its value', async () => {
    staleReads = 2;
    await updateMarkers(
      options({
        purge: { url: `${base}/service/abc/purge`, token: 'purge-token-123' },
        readBack: { url: `${base}/`, intervalMs: 20, timeoutMs: SERVED_IN_TIME },
      }),
      logger,
    );
    const post = requests.find((r) => r.method === 'POST');
    expect(post?.url).toBe('/service/abc/purge');
    expect(post?.headers['fastly-key']).toBe('purge-token-123');
    expect(JSON.parse(post?.body ?? '{}')).toEqual({
      surrogate_keys: ['release/stable.txt', 'release/stable-1.txt', 'release/stable-1.31.txt', 'release/markers.json'],
    });
    const gets = requests.filter((r) => r.method === 'GET').map((r) => r.url);
    expect(new Set(gets)).toEqual(new Set(['/release/stable.txt', '/release/stable-1.txt', '/release/stable-1.31.txt']));
    expect(gets.length).toBe(5);
    expect(logger.lines.join('\n')).not.toContain('purge-token-123');
  });

  it('polls through a CDN that answers 503 for a while', async () => {
    failingReads = 6;
    await updateMarkers(options({ readBack: { url: base, intervalMs: 20, timeoutMs: SERVED_IN_TIME } }), logger);
    expect(logger.lines.some((l) => l.includes('serves no answer'))).toBe(true);
    expect(failingReads).toBe(0);
  });

  it('fails with TIMEOUT when a marker never serves its value', async () => {
    staleReads = 1_000;
    await expect(
      updateMarkers(options({ readBack: { url: base, intervalMs: 20, timeoutMs: 200 } }), logger),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('a rerun of a downgrade reads back the exact value: a CDN still serving the newer one fails it', async () => {
    await updateMarkers(options(), logger);
    const rollback = { versions: [v('v1.31.1')], allowDowngrade: true };
    await updateMarkers(options(rollback), logger);
    storage.puts.length = 0;
    staleReads = 1_000;
    stale = 'v1.31.2';
    await expect(
      updateMarkers(options({ ...rollback, readBack: { url: base, intervalMs: 20, timeoutMs: 200 } }), logger),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(storage.puts).toEqual([]);
  });

  it('a rerun writes nothing but purges and reads back again (completing a failed first run)', async () => {
    await updateMarkers(options(), logger);
    storage.puts.length = 0;
    const rerun = {
      purge: { url: `${base}/purge`, token: 'purge-token-123' },
      readBack: { url: base, intervalMs: 20, timeoutMs: SERVED_IN_TIME },
    };
    await updateMarkers(options(rerun), logger);
    expect(storage.puts).toEqual([]);
    expect(requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'GET /release/stable-1.31.txt',
      'GET /release/stable-1.txt',
      'GET /release/stable.txt',
      'POST /purge',
    ]);
    // Markers that hold a newer version than this run's are not this run's to purge or check.
    requests.length = 0;
    await updateMarkers(options({ ...rerun, versions: [v('v1.31.1')] }), logger);
    expect(requests).toEqual([]);
  });
});

describe('a store that cannot compare-and-swap (s3rver ignores conditional writes)', () => {
  let s3: S3rverHandle;
  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['markers'] });
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('is refused, naming the store and why, before any marker is written; concurrency-guard: none runs', async () => {
    const s3Storage = new S3Storage({ bucket: 'markers', prefix: 'dl', endpoint: s3.endpoint, credentials: s3 });
    await publishRelease(s3Storage, 'release/v1.31.2/index.json');
    const refused = await updateMarkers(options({ storage: s3Storage }), logger).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CAPABILITY_MISSING', userError: true });
    expect((refused as Error).message).toMatch(/s3:\/\/markers\/dl cannot compare-and-swap: it lacks conditional create/);
    expect((refused as Error).message).toMatch(/ignores the condition.*concurrency-guard: none/s);
    expect(await s3Storage.stat('release/stable.txt')).toBeUndefined();

    const result = await updateMarkers(options({ storage: s3Storage, concurrencyGuard: 'none' }), logger);
    expect(result.updated['release/stable.txt']).toEqual({ from: null, to: 'v1.31.2' });
    expect((await s3Storage.read('release/stable.txt'))?.data.toString()).toBe('v1.31.2');
    expect(logger.lines.join('\n')).toMatch(/warning: .*writing unconditionally because concurrency-guard is none/);
  });

  it('a store that can compare-and-swap keeps doing so with concurrency-guard: none', async () => {
    await updateMarkers(options({ concurrencyGuard: 'none' }), logger);
    expect(storage.puts.find((p) => p.key === 'release/stable.txt')?.options.ifNoneMatch).toBe('*');
  });
});
