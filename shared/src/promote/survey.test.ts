/** The survey reads each registry an edge needs: one that cannot be read fails its edges, and the others go on. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { OciClient } from '../oci/client.ts';
import { sharedLayerImages, type TestImage } from '../testing/oci-images.ts';
import { PlanConflictError } from './errors.ts';
import { promote } from './promote.ts';
import type { ImageSpec } from './spec.ts';

let dir: string;
let images: { multi: TestImage; single: TestImage };
let denying: Server;
let host: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'promote-survey-'));
  images = await sharedLayerImages(path.join(dir, 'src'), 2048);
  // A registry that refuses every read (as one whose credentials lack pull access).
  denying = createServer((_req, res) => res.writeHead(403, { 'content-type': 'application/json' }).end('{"errors":[]}'));
  await new Promise<void>((resolve) => denying.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(denying.address() as AddressInfo).port}`;
});
afterAll(async () => {
  denying.close();
  await rm(dir, { recursive: true, force: true });
});

/** A confirmed promotion of `specs`, copying no referrers. */
const run = (specs: ImageSpec[], client: OciClient) =>
  promote(
    {
      specs,
      client,
      confirm: true,
      allowTagMoves: false,
      copyReferrers: false,
      concurrency: 4,
      attest: false,
      verify: 'none',
      builderId: 'test',
      timestamp: '2026-01-01T00:00:00Z',
      check: 'full',
    },
    new RecordingLogger(),
  );

describe('the survey', () => {
  it('fails the edges of a source it cannot read, promotes the others, and counts the failure', async () => {
    const result = await run(
      [
        {
          image: 'good',
          source: 'oci:src',
          digest: images.single.digest,
          tags: ['v1'],
          destinations: ['oci:out/good'],
          origin: 'test',
        },
        {
          image: 'bad',
          source: `${host}/staging/bad`,
          digest: images.multi.digest,
          tags: ['v1'],
          destinations: ['oci:out/bad'],
          origin: 'test',
        },
      ],
      new OciClient({ baseDir: dir, plainHttp: [host], retry: { attempts: 1 } }),
    );
    const byImage = Object.fromEntries(result.edges.map((e) => [e.image, e]));
    expect(byImage.good?.action).toBe('copy');
    expect(byImage.bad?.action).toBe('unreadable');
    expect(byImage.bad?.error).toMatch(/staging\/bad\/manifests\/sha256:[0-9a-f]{64} returned 403/);
    expect(result.failed).toBe(1);
    const index = JSON.parse(await readFile(path.join(dir, 'out/good/index.json'), 'utf8'));
    expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual([images.single.digest]);
  });
});

describe('the plan', () => {
  it('takes two spellings of one repository as one: two digests for its tag are refused before anything is written', async () => {
    const twice = (second: string, digest: string) =>
      run(
        [
          { image: 'a', source: 'oci:src', digest: images.single.digest, tags: ['v1'], destinations: ['oci:same'], origin: 'm1' },
          { image: 'b', source: 'oci:./src', digest, tags: ['v1'], destinations: [second], origin: 'm2' },
        ],
        new OciClient({ baseDir: dir }),
      );
    await expect(twice('oci:./same/', images.multi.digest)).rejects.toBeInstanceOf(PlanConflictError);
    await expect(readFile(path.join(dir, 'same/index.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    // The same digest spelt twice is one edge.
    const result = await twice(`oci:${path.join(dir, 'same')}`, images.single.digest);
    expect(result.edges.map((e) => [e.destination, e.action])).toEqual([['oci:same', 'copy']]);
  });
});
