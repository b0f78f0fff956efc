import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { checkBucketName, detectProvider, S3_PROFILES } from './s3-profiles.ts';
import { S3Storage } from './s3-storage.ts';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };

describe('S3 provider profiles', () => {
  it.each([
    [undefined, 'aws'],
    ['https://s3.eu-west-1.amazonaws.com', 'aws'],
    ['https://storage.googleapis.com', 'gcs'],
    ['https://acct.r2.cloudflarestorage.com', 'r2'],
    ['https://s3.us-west-004.backblazeb2.com', 'b2'],
    ['https://s3.eu-central-1.wasabisys.com', 'wasabi'],
    ['https://nyc3.digitaloceanspaces.com', 'spaces'],
    ['http://127.0.0.1:9000', 'other'],
    ['https://minio.example:9000', 'other'],
  ])('%s is %s', (endpoint, provider) => {
    expect(detectProvider(endpoint)).toBe(provider);
  });

  it.each([
    // endpoint, provider override, the object URL, the region signed for
    [undefined, undefined, 'https://releases.s3.us-east-1.amazonaws.com/k', 'us-east-1'],
    ['https://storage.googleapis.com', undefined, 'https://storage.googleapis.com/releases/k', 'auto'],
    ['https://acct.r2.cloudflarestorage.com', undefined, 'https://acct.r2.cloudflarestorage.com/releases/k', 'auto'],
    ['https://s3.us-west-004.backblazeb2.com', undefined, 'https://s3.us-west-004.backblazeb2.com/releases/k', 'us-west-004'],
    ['https://nyc3.digitaloceanspaces.com', undefined, 'https://nyc3.digitaloceanspaces.com/releases/k', 'nyc3'],
    ['https://minio.example:9000', undefined, 'https://minio.example:9000/releases/k', 'us-east-1'],
    ['https://objects.example', 'gcs', 'https://objects.example/releases/k', 'auto'],
  ] as const)('%s (%s): path style off AWS, the profile region', (endpoint, provider, url, region) => {
    const saved = { AWS_REGION: process.env['AWS_REGION'], AWS_DEFAULT_REGION: process.env['AWS_DEFAULT_REGION'] };
    delete process.env['AWS_REGION'];
    delete process.env['AWS_DEFAULT_REGION'];
    try {
      const storage = new S3Storage({ bucket: 'releases', endpoint, provider, credentials });
      expect(storage.urlFor('k')).toBe(url);
      expect(storage.profile.region?.(new URL(endpoint ?? 'https://x').hostname) ?? 'us-east-1').toBe(region);
    } finally {
      for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
    }
  });

  it.each([
    ['gcs', 'k8s_release', true],
    ['gcs', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}`, true],
    ['gcs', `${'a'.repeat(64)}x`, true],
    ['gcs', 'goog-releases', false],
    ['aws', 'k8s_release', false],
    ['aws', 'dl.k8s.io', true],
    ['aws', 'a..b', false],
    ['r2', 'dl.k8s.io', false],
    ['b2', 'short', false],
    ['b2', 'k8s-releases', true],
    ['other', 'legacy_bucket', true],
  ] as const)('%s bucket %s valid: %s', (provider, bucket, valid) => {
    const check = () => checkBucketName(bucket, S3_PROFILES[provider]);
    if (valid) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', userError: true }));
  });

  it('sends keys as they are: no . or .. segment is resolved away', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-amz-checksum-sha256'] ? 'checksum' : 'no-checksum'}`);
      req.resume();
      req.on('end', () => res.writeHead(200, { etag: '"e"' }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const data = Buffer.from('x');
      const options = { sha256: sha256Hex(data), size: 1 };
      await new S3Storage({ bucket: 'releases', endpoint, credentials }).put('a/../b/./c', { data }, options);
      // B2 refused x-amz-checksum-sha256: its profile does not send it.
      await new S3Storage({ bucket: 'releases', endpoint, credentials, provider: 'b2' }).put('k', { data }, options);
      expect(seen).toEqual(['PUT /releases/a/../b/./c checksum', 'PUT /releases/k no-checksum']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
