/**
 * Retries live in withRetry alone: the SDKs make one attempt per call, and the
 * backends keep their promises through a flaky network (a loopback proxy failing a
 * third of the requests with 503, 429 or a reset after the server did the work).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import type { RetryOptions } from '../core/retry.ts';
import { startAzurite } from '../testing/azurite.ts';
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from '../testing/fault-proxy.ts';
import { startS3ChecksumProxy } from '../testing/s3-checksum-proxy.ts';
import { startS3rver } from '../testing/s3rver.ts';
import { AzBlobStorage } from './azblob-storage.ts';
import { S3Storage } from './s3-storage.ts';
import type { Storage } from './storage.ts';

const MiB = 1024 * 1024;

interface Service {
  /** The server's own address, for a proxy to forward to. */
  target: string;
  /** A store reaching the server through `endpoint`. */
  connect(endpoint: string, retry: RetryOptions): Storage;
  stop(): Promise<void>;
}

const backends: Array<{ name: string; start: () => Promise<Service> }> = [
  {
    name: 'S3Storage (s3rver)',
    start: async () => {
      const server = await startS3rver({ buckets: ['flaky'] });
      return {
        target: server.endpoint,
        connect: (endpoint, retry) =>
          new S3Storage({
            bucket: 'flaky',
            endpoint,
            region: server.region,
            forcePathStyle: true,
            credentials: server,
            partSize: 5 * MiB,
            retry,
          }),
        stop: server.stop,
      };
    },
  },
  {
    // Checksum mode and opaque multipart ETags (R2), from the proxy shaped after AWS's documented checksum
    // behaviour: parts and completions are retried with their checksums, and only the composite checksum can
    // recognise a completion whose answer a reset lost.
    name: 'S3Storage, r2 profile (s3rver behind the checksum proxy)',
    start: async () => {
      const server = await startS3rver({ buckets: ['flaky'] });
      const checksums = await startS3ChecksumProxy({ target: server.endpoint, opaqueMultipartEtags: true });
      return {
        target: checksums.url,
        connect: (endpoint, retry) =>
          new S3Storage({ bucket: 'flaky', endpoint, provider: 'r2', credentials: server, partSize: 5 * MiB, retry }),
        stop: async () => {
          await checksums.stop();
          await server.stop();
        },
      };
    },
  },
  {
    name: 'AzBlobStorage (azurite)',
    start: async () => {
      const server = await startAzurite();
      return {
        target: server.endpoint,
        connect: (endpoint, retry) =>
          new AzBlobStorage({
            connectionString: server.connectionString.replace(server.endpoint, `${endpoint}/${server.accountName}`),
            container: 'flaky',
            partSize: 5 * MiB,
            retry,
          }),
        stop: server.stop,
      };
    },
  },
];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'storage-retry-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.each(backends)('$name through a failing proxy', ({ name, start }) => {
  let service: Service;
  const proxies: FaultProxy[] = [];
  const proxy = async (options: Omit<FaultProxyOptions, 'target'>): Promise<FaultProxy> => {
    const started = await startFaultProxy({ target: service.target, ...options });
    proxies.push(started);
    return started;
  };
  beforeAll(async () => {
    service = await start();
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await service?.stop();
  });

  it('makes exactly the attempts withRetry allows (the SDK makes one per call)', async () => {
    const failing = await proxy({ failureRate: 1, seed: 1, kinds: ['503'] });
    const storage = service.connect(failing.url, { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
    await expect(storage.stat('anything')).rejects.toMatchObject({ code: 'RETRY_EXHAUSTED' });
    expect(failing.stats.requests).toBe(3);
  });

  it('puts, stats, reads and lists every object intact when 30% of requests fail', async () => {
    const flaky = await proxy({ failureRate: 0.3, seed: 7 });
    const storage = service.connect(flaky.url, { attempts: 10, baseDelayMs: 5, maxDelayMs: 20 });
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
    expect(Object.values(flaky.stats.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
  });
});
