/**
 * The object-store backends keep their promises through a flaky network: a
 * loopback proxy fails a third of the requests (503, 429, connection resets after
 * the server did the work) and withRetry carries every call through.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { startAzurite } from '../testing/azurite.ts';
import { type FaultProxy, startFaultProxy } from '../testing/fault-proxy.ts';
import { startS3rver } from '../testing/s3rver.ts';
import { AzBlobStorage } from './azblob-storage.ts';
import { S3Storage } from './s3-storage.ts';
import type { Storage } from './storage.ts';

const MiB = 1024 * 1024;
const retry = { attempts: 10, baseDelayMs: 5, maxDelayMs: 20 };

interface Flaky {
  storage: Storage;
  faults(): number;
  stop(): Promise<void>;
}

const backends: Array<{ name: string; start: () => Promise<Flaky> }> = [
  {
    name: 'S3Storage (s3rver)',
    start: async () => {
      const server = await startS3rver({ buckets: ['flaky'] });
      const proxy = await startFaultProxy({ target: server.endpoint, failureRate: 0.3, seed: 7 });
      const storage = new S3Storage({
        bucket: 'flaky',
        endpoint: proxy.url,
        region: server.region,
        forcePathStyle: true,
        credentials: server,
        partSize: 5 * MiB,
        retry,
      });
      return { storage, faults: () => faultCount(proxy), stop: () => stopBoth(proxy, server) };
    },
  },
  {
    name: 'AzBlobStorage (azurite)',
    start: async () => {
      const server = await startAzurite();
      const proxy = await startFaultProxy({ target: server.endpoint, failureRate: 0.3, seed: 7 });
      const storage = new AzBlobStorage({
        connectionString: server.connectionString.replace(server.endpoint, `${proxy.url}/${server.accountName}`),
        container: 'flaky',
        partSize: 5 * MiB,
        retry,
      });
      return { storage, faults: () => faultCount(proxy), stop: () => stopBoth(proxy, server) };
    },
  },
];

function faultCount(proxy: FaultProxy): number {
  return Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0);
}

async function stopBoth(proxy: FaultProxy, server: { stop(): Promise<void> }): Promise<void> {
  await proxy.stop();
  await server.stop();
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'storage-retry-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.each(backends)('$name behind a proxy failing 30% of requests', ({ name, start }) => {
  let flaky: Flaky;
  beforeAll(async () => {
    flaky = await start();
  });
  afterAll(async () => {
    await flaky?.stop();
  });

  it('puts, stats, reads and lists every object intact', async () => {
    const { storage } = flaky;
    const big = randomBytes(11 * MiB);
    const file = path.join(scratch, `${name}-big.bin`);
    await writeFile(file, big);
    await storage.put('r/big.bin', { file }, { sha256: sha256Hex(big), size: big.length });
    const small = Array.from({ length: 12 }, (_, i) => Buffer.from(`object ${i}`));
    for (const [i, data] of small.entries()) {
      await storage.put(`r/small/${i}`, { data }, { sha256: sha256Hex(data), size: data.length });
    }

    expect(await storage.stat('r/big.bin')).toMatchObject({ size: big.length, sha256: sha256Hex(big) });
    for (const [i, data] of small.entries()) expect((await storage.read(`r/small/${i}`))?.data.equals(data)).toBe(true);
    const listed: string[] = [];
    for await (const info of storage.list('r')) listed.push(info.key);
    expect(listed).toHaveLength(13);
    expect(flaky.faults()).toBeGreaterThan(3);
  });
});
