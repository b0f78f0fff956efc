import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashStream } from '../core/hash.ts';
import { RecordingLogger } from '../core/logger.ts';
import { AzBlobStorage } from '../storage/azblob-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { type AzuriteHandle, startAzurite } from '../testing/azurite.ts';
import { publishBinaries } from './publish.ts';
import { key, publishOptions } from './publish-options.fixture.ts';
import type { IndexDocument } from './release-index.ts';
import { makeReleaseTree } from './release-tree.fixture.ts';

const TARGET = 'bin/linux/amd64/kubectl';
let work: string;
let azurite: AzuriteHandle;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-concurrent-'));
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
  await rm(work, { recursive: true, force: true });
});

const store = (container: string) => new AzBlobStorage({ connectionString: azurite.connectionString, container });

/** The real store, with `before(key)` awaited before each put. */
function gated(inner: Storage, before: (key: string) => Promise<void>): Storage {
  return new Proxy(inner, {
    get(target, name) {
      if (name === 'put')
        return async (...args: Parameters<Storage['put']>) => {
          await before(args[0]);
          return target.put(...args);
        };
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Two trees of one version whose kubectl differs (a rebuild that is not bit-for-bit reproducible). */
async function twoBuilds(name: string): Promise<[string, string]> {
  const [a, b] = [path.join(work, name, 'a'), path.join(work, name, 'b')];
  await makeReleaseTree(a, { binaries: 2, binarySize: 8192 });
  await makeReleaseTree(b, { binaries: 2, binarySize: 8192 });
  await writeFile(path.join(b, TARGET), Buffer.from('a different kubectl build\n'.repeat(300)));
  return [a, b];
}

/** Every object the published index names holds the bytes it names. */
async function expectIndexHolds(storage: Storage): Promise<IndexDocument> {
  const index = JSON.parse((await storage.read(key('index.json')))?.data.toString() ?? '{}') as IndexDocument;
  for (const file of index.files)
    expect((await hashStream(await storage.stream(key(file.path)))).sha256, file.path).toBe(file.sha256);
  return index;
}

describe('two runs publishing one version with other bytes', () => {
  it('leave the objects the published index names, whichever wins; the other fails with RELEASE_CONFLICT', async () => {
    const [a, b] = await twoBuilds('replaced');
    const logger = new RecordingLogger();
    // Run B starts once run A has read back every file, replaces A's kubectl and waits at its own index for A to end.
    let runB: Promise<unknown> | undefined;
    let bAtIndex!: () => void;
    const bReachedIndex = new Promise<void>((resolve) => {
      bAtIndex = resolve;
    });
    let aDone!: () => void;
    const aFinished = new Promise<void>((resolve) => {
      aDone = resolve;
    });
    const runA = publishBinaries(
      publishOptions(
        a,
        gated(store('replaced'), async (k) => {
          if (k !== key('index.json') || runB) return;
          runB = publishBinaries(
            publishOptions(
              b,
              gated(store('replaced'), async (k) => {
                if (k !== key('index.json')) return;
                bAtIndex();
                await aFinished;
              }),
            ),
            logger,
          );
          runB.catch(() => {});
          await Promise.race([bReachedIndex, runB]);
        }),
      ),
      logger,
    ).finally(() => aDone());
    const outcomes = await Promise.allSettled([
      runA,
      runA.then(
        () => runB,
        () => runB,
      ),
    ]);

    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as { code?: string }] : []));
    expect(won).toHaveLength(1);
    expect(lost.map((e) => e.code)).toEqual(['RELEASE_CONFLICT']);
    const index = await expectIndexHolds(store('replaced'));
    const winner = (won[0] as PromiseFulfilledResult<Awaited<typeof runA>>).value;
    const kubectl = winner.files.find((f) => f.path === TARGET);
    expect(index.files.find((f) => f.path === TARGET)?.sha256).toBe(kubectl?.sha256);
  });

  it('creates a new object only where none is: one another run created with other bytes stays', async () => {
    const [a, b] = await twoBuilds('created');
    const other = await readFile(path.join(b, TARGET));
    const otherSha256 = createHash('sha256').update(other).digest('hex');
    const bare = store('created');
    // Another run's kubectl appears just before this run's own put of it (planned as new).
    const racing = gated(bare, async (k) => {
      if (k === key(TARGET)) await bare.put(k, { data: other }, { sha256: otherSha256, size: other.length });
    });
    await expect(publishBinaries(publishOptions(a, racing), new RecordingLogger())).rejects.toMatchObject({
      code: 'RELEASE_CONFLICT',
    });
    expect((await hashStream(await bare.stream(key(TARGET)))).sha256).toBe(otherSha256);
    expect(await bare.stat(key('index.json'))).toBeUndefined();
  });
});
