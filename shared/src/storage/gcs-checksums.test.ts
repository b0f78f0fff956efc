/**
 * GCS read-back from the object's own checksums (the JSON API fake, testing/gcs-api.ts): md5Hash where GCS keeps
 * one, crc32c for a composite object (objects.compose, as parallel uploads make them), which has none. Requests for
 * the media (alt=media) are counted at the fake.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32cHex } from '../core/crc32c.ts';
import { sha256Hex } from '../core/hash.ts';
import { verifyObjects } from '../publish/verify.ts';
import { type GcsApiHandle, startGcsApi } from '../testing/gcs-api.ts';
import { GcsStorage } from './gcs-storage.ts';
import type { WrittenInfo } from './storage.ts';

describe('GCS read-back from checksum metadata', () => {
  let server: GcsApiHandle;
  let storage: GcsStorage;
  let dir: string;
  beforeAll(async () => {
    [server, dir] = await Promise.all([startGcsApi({ buckets: ['sums'] }), mkdtemp(path.join(tmpdir(), 'gcs-checksums-'))]);
    storage = new GcsStorage({
      bucket: 'sums',
      prefix: 'p',
      apiUrl: server.url,
      token: async () => server.accessToken,
      partSize: 256 * 1024,
      retry: { attempts: 1 },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const media = () => server.requests.filter((r) => r.includes('alt=media')).length;

  it('every upload answers the CRC32C of the bytes sent, computed in the pass that hashed them', async () => {
    const small = Buffer.from('small\n');
    const large = randomBytes(600 * 1024);
    const file = path.join(dir, 'large');
    await writeFile(file, large);
    const written = [
      await storage.put('small', { data: small }, { sha256: sha256Hex(small), size: small.length }),
      await storage.put('large', { file }, { sha256: sha256Hex(large), size: large.length }),
    ];
    expect(written[0]?.contentEtags).toContain(`crc32c:${crc32cHex(small)}`);
    expect(written[1]?.contentEtags).toContain(`crc32c:${crc32cHex(large)}`);
    // Uploads have an MD5 at GCS: that is what stat reports, and it proves them.
    expect((await storage.stat('large'))?.checksum).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a composite object (no md5Hash) is verified from its crc32c: no download; other bytes are read and fail', async () => {
    const halves = [randomBytes(300 * 1024), randomBytes(300 * 1024)];
    const written = [];
    for (const [i, half] of halves.entries())
      written.push(await storage.put(`half-${i}`, { data: half }, { sha256: sha256Hex(half), size: half.length }));
    // What `gcloud storage cp` does with a large file: parts uploaded, then composed.
    const compose = await fetch(`${server.url}/storage/v1/b/sums/o/${encodeURIComponent('p/whole')}/compose`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sourceObjects: [{ name: 'p/half-0' }, { name: 'p/half-1' }] }),
    });
    expect(compose.status).toBe(200);
    const whole = Buffer.concat(halves);
    const info = await storage.stat('whole');
    expect(info?.checksum).toBe(`crc32c:${crc32cHex(whole)}`);

    const expected = { key: 'whole', size: whole.length, sha256: sha256Hex(whole), contentEtags: [`crc32c:${crc32cHex(whole)}`] };
    const before = media();
    await verifyObjects(storage, [expected], 1);
    // Beside an upload of this run, which its md5Hash proves (as the listing of both shows).
    const half = written[0] as WrittenInfo;
    await verifyObjects(storage, [expected, { ...half, sha256: sha256Hex(halves[0] as Buffer) }], 2);
    expect(media()).toBe(before);

    const other = { ...expected, sha256: sha256Hex('other'), contentEtags: [`crc32c:${crc32cHex(Buffer.from('other'))}`] };
    await expect(verifyObjects(storage, [other], 1)).rejects.toMatchObject({ code: 'VERIFICATION_FAILED' });
    expect(media()).toBe(before + 1);
  });
});
