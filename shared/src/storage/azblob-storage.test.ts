import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { type AzuriteHandle, startAzurite } from '../testing/azurite.ts';
import { type FaultProxy, startFaultProxy } from '../testing/fault-proxy.ts';
import { AzBlobStorage, pipelineOptions } from './azblob-storage.ts';

let azurite: AzuriteHandle;
let proxy: FaultProxy;
let scratch: string;
const seen: { method?: string; url?: string; headers: IncomingMessage['headers'] }[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await startFaultProxy({
    target: azurite.endpoint,
    failureRate: 0,
    seed: 1,
    observe: (req) => seen.push({ method: req.method, url: req.url, headers: req.headers }),
  });
  scratch = await mkdtemp(path.join(tmpdir(), 'azblob-'));
});
afterAll(async () => {
  await proxy?.stop();
  await azurite?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('AzBlobStorage keys', () => {
  it.each(['../../other/stolen.txt', 'release/../../other/x', 'release/./kubectl', '..'])(
    'refuses %s (dot segments the SDK would resolve), before any request',
    async (key) => {
      // The container an escape from cont/release-prefix would land in.
      const other = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('other');
      await other.createIfNotExists();
      const store = new AzBlobStorage({
        connectionString: azurite.connectionString,
        container: 'cont',
        prefix: 'release-prefix',
      });
      const data = Buffer.from('escaped');
      const unsafe = { code: 'PATH_UNSAFE' };
      expect(() => store.urlFor(key)).toThrow(expect.objectContaining(unsafe));
      await expect(store.put(key, { data }, { sha256: sha256Hex(data), size: data.length })).rejects.toMatchObject(unsafe);
      await expect(store.stat(key)).rejects.toMatchObject(unsafe);
      const names: string[] = [];
      for await (const blob of other.listBlobsFlat()) names.push(blob.name);
      expect(names).toEqual([]);
    },
  );
});

describe('AzBlobStorage requests', () => {
  it('sends a Put Blob with the MD5 Azure verifies (Content-MD5), not only the one it stores; block lists without', async () => {
    const store = new AzBlobStorage({
      connectionString: azurite.connectionString.replace(azurite.endpoint, `${proxy.url}/${azurite.accountName}`),
      container: 'md5',
      partSize: 1024 * 1024,
    });
    const small = Buffer.from('kubectl bytes');
    await store.put('small', { data: small }, { sha256: sha256Hex(small), size: small.length });
    const large = Buffer.alloc(2.5 * 1024 * 1024, 7);
    await writeFile(path.join(scratch, 'large'), large);
    await store.put('large', { file: path.join(scratch, 'large') }, { sha256: sha256Hex(large), size: large.length });

    const md5 = createHash('md5').update(small).digest('base64');
    const putBlob = seen.find((r) => r.method === 'PUT' && r.url?.includes('/md5/small?'));
    expect(putBlob?.headers['x-ms-blob-content-md5']).toBe(md5);
    expect(putBlob?.headers['content-md5']).toBe(md5);
    const blocks = seen.filter((r) => r.url?.includes('/md5/large?') && r.url.includes('comp=block&'));
    expect(blocks).toHaveLength(3);
    for (const block of blocks) expect(block.headers['content-md5']).toBeTruthy();
    const list = seen.find((r) => r.url?.includes('/md5/large?') && r.url.includes('comp=blocklist'));
    expect(list?.headers['content-md5']).toBeUndefined();
    expect((await store.stat('large'))?.size).toBe(large.length);
  });

  it('reports a blob under a lease as the refusal it is, not as a lost race', async () => {
    const store = new AzBlobStorage({ connectionString: azurite.connectionString, container: 'leased' });
    const data = Buffer.from('v1.31.2');
    const first = await store.put('stable.txt', { data }, { sha256: sha256Hex(data), size: data.length });
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient('leased')
      .getBlobClient('stable.txt');
    await blob.getBlobLeaseClient().acquireLease(-1);
    const next = Buffer.from('v1.31.3');
    const error = await store
      .put('stable.txt', { data: next }, { sha256: sha256Hex(next), size: next.length, ifMatch: first.etag })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('LeaseIdMissing') });
  });

  it('takes a SAS connection string as well as an account key', async () => {
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3_600_000),
        permissions: AccountSASPermissions.parse('rwdlc'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
    ).toString();
    const store = new AzBlobStorage({
      connectionString: `BlobEndpoint=${azurite.endpoint};SharedAccessSignature=${sas}`,
      container: 'sas',
    });
    const data = Buffer.from('stable');
    await store.put('stable.txt', { data }, { sha256: sha256Hex(data), size: data.length });
    expect((await store.read('stable.txt'))?.data.toString()).toBe('stable');
    expect(store.urlFor('stable.txt')).toBe(`${azurite.endpoint}/sas/stable.txt`);
  });

  it('keeps the proxy of a development-storage connection string, and one try per call', () => {
    expect(pipelineOptions('UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://user:pw@127.0.0.1:8888', 5_000)).toEqual(
      {
        retryOptions: { maxTries: 1, tryTimeoutInMs: 5_000 },
        proxyOptions: { host: 'http://127.0.0.1', port: 8888, username: 'user', password: 'pw' },
      },
    );
    expect(pipelineOptions(azurite.connectionString)).toEqual({ retryOptions: { maxTries: 1, tryTimeoutInMs: 300_000 } });
  });
});
