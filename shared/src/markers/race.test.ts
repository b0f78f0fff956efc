/**
 * Ten updaters with random versions of one minor, run concurrently against one
 * store, while a reader polls the markers: every final marker is the maximum, and
 * the reader never sees a marker move backwards. The race is made, not hoped for:
 * each updater's first write waits until every updater has read the store, so
 * their compare-and-swaps start from one state and some lose on any schedule.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { RecordingLogger } from '../core/logger.ts';
import { sleep } from '../core/retry.ts';
import { AzBlobStorage } from '../storage/azblob-storage.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { GcsStorage } from '../storage/gcs-storage.ts';
import { PreconditionFailedError, type Storage } from '../storage/storage.ts';
import { type AzuriteHandle, startAzurite } from '../testing/azurite.ts';
import { type GcsApiHandle, startGcsApi } from '../testing/gcs-api.ts';
import { parseIndex } from './markers-index.ts';
import { updateMarkers } from './update-markers.ts';
import { compareVersions, parseVersion, type Version } from './version.ts';

const UPDATERS = 10;
const WATCHED = [
  'release/stable.txt',
  'release/stable-1.txt',
  'release/stable-1.31.txt',
  'release/latest.txt',
  'release/latest-1.31.txt',
];

function randomVersion(): Version {
  const text =
    Math.random() < 0.7
      ? `v1.31.${Math.floor(Math.random() * 40)}`
      : `v1.31.${Math.floor(Math.random() * 40)}-rc.${Math.floor(Math.random() * 4)}`;
  return parseVersion(text) as Version;
}

function maximum(versions: readonly Version[]): string | undefined {
  return [...versions].sort(compareVersions).at(-1)?.text;
}

/**
 * Holds each updater's first write until all `count` updaters have reached theirs (or ended without one). Every
 * updater has then read the markers before any is written.
 */
function startingLine(count: number): { lane(storage: Storage): { storage: Storage; end(): void } } {
  let arrived = 0;
  let go!: () => void;
  const started = new Promise<void>((resolve) => {
    go = resolve;
  });
  return {
    lane(inner) {
      let waiting = true;
      const arrive = () => {
        if (!waiting) return;
        waiting = false;
        if (++arrived === count) go();
      };
      const storage = new Proxy(inner, {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (property === 'put')
            return async (...args: Parameters<Storage['put']>) => {
              arrive();
              await started;
              return target.put(...args);
            };
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return { storage, end: arrive };
    },
  };
}

/** Runs the race on `storage` and checks both guarantees; returns how many writes lost their race. */
async function runMarkerRace(storage: Storage): Promise<number> {
  const versions = Array.from({ length: UPDATERS }, randomVersion);
  for (const version of new Set(versions.map((v) => v.text))) {
    const data = Buffer.from(version);
    await storage.put(`release/${version}/index.json`, { data }, { sha256: sha256Hex(data), size: data.length });
  }

  const seen = new Map<string, Version>();
  const regressions: string[] = [];
  let done = false;
  const reader = (async () => {
    while (!done) {
      for (const key of WATCHED) {
        const stored = await storage.read(key);
        if (!stored) continue;
        const value = parseVersion(stored.data.toString('utf8')) as Version;
        const before = seen.get(key);
        if (before && compareVersions(value, before) < 0) regressions.push(`${key}: ${before.text} then ${value.text}`);
        seen.set(key, value);
      }
      await sleep(1);
    }
  })();

  const loggers = versions.map(() => new RecordingLogger());
  const line = startingLine(UPDATERS);
  try {
    await Promise.all(
      versions.map(async (version, i) => {
        const lane = line.lane(storage);
        try {
          await updateMarkers(
            {
              storage: lane.storage,
              versions: [version],
              buildType: 'release',
              root: 'release',
              fast: false,
              extraMarkers: [],
              allowDowngrade: false,
              requireIndex: true,
              dryRun: false,
              casAttempts: 32,
            },
            loggers[i] as RecordingLogger,
          );
        } finally {
          lane.end();
        }
      }),
    );
  } finally {
    done = true;
    await reader;
  }

  const stable = versions.filter((v) => v.pre.length === 0);
  const latest = versions.filter((v) => v.pre.length > 0);
  const expected: Record<string, string | undefined> = {
    'release/stable.txt': maximum(stable),
    'release/stable-1.txt': maximum(stable),
    'release/stable-1.31.txt': maximum(stable),
    'release/latest.txt': maximum(latest),
    'release/latest-1.31.txt': maximum(latest),
  };
  const final = Object.fromEntries(
    await Promise.all(WATCHED.map(async (key) => [key, (await storage.read(key))?.data.toString('utf8')] as const)),
  );
  expect(final, `versions: ${versions.map((v) => v.text).join(' ')}`).toEqual(expected);
  expect(regressions).toEqual([]);

  const index = parseIndex((await storage.read('release/markers.json'))?.data.toString('utf8'));
  for (const [key, value] of Object.entries(expected)) {
    if (value !== undefined) expect(index[key.slice('release/'.length)]?.value).toBe(value);
  }
  return loggers.flatMap((l) => l.lines).filter((text) => text.includes('changed while being written')).length;
}

describe('concurrent updaters against file://', () => {
  it('never regress and end at the maximum', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'markers-race-'));
    try {
      // The race is real: some compare-and-swap writes lost and were re-decided.
      expect(await runMarkerRace(new FileStorage(dir))).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('concurrent updaters against azurite (real conditional requests)', () => {
  let azurite: AzuriteHandle;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('never regress and end at the maximum', async () => {
    const storage = new AzBlobStorage({
      connectionString: azurite.connectionString,
      container: 'markers-race',
      prefix: 'dl',
      retry: { attempts: 3, baseDelayMs: 50 },
    });
    expect(await runMarkerRace(storage)).toBeGreaterThan(0);
    for (const key of WATCHED) {
      const info = await storage.stat(key);
      if (info) expect(info).toMatchObject({ contentType: 'text/plain', cacheControl: 'private, max-age=0, no-transform' });
    }
  });
});

describe('concurrent updaters against gs:// (the GCS JSON API fake, generation preconditions)', () => {
  let gcs: GcsApiHandle;
  beforeAll(async () => {
    gcs = await startGcsApi({ buckets: ['markers'] });
  });
  afterAll(async () => {
    await gcs?.stop();
  });

  it('a stale generation gets 412, as PreconditionFailedError', async () => {
    const storage = new GcsStorage({ bucket: 'markers', apiUrl: gcs.url, token: async () => gcs.accessToken });
    const data = Buffer.from('v1.31.0');
    const options = { sha256: sha256Hex(data), size: data.length };
    const first = await storage.put('stale/stable.txt', { data }, { ...options, ifNoneMatch: '*' });
    await storage.put('stale/stable.txt', { data }, { ...options, ifMatch: first.etag });
    await expect(storage.put('stale/stable.txt', { data }, { ...options, ifMatch: first.etag })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    await expect(storage.put('stale/stable.txt', { data }, { ...options, ifNoneMatch: '*' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
  });

  it('never regress and end at the maximum', async () => {
    const storage = new GcsStorage({
      bucket: 'markers',
      prefix: 'race',
      apiUrl: gcs.url,
      token: async () => gcs.accessToken,
      retry: { attempts: 3, baseDelayMs: 50 },
    });
    // The race is real: some generation-matched writes lost and were re-decided.
    expect(await runMarkerRace(storage)).toBeGreaterThan(0);
  });
});
