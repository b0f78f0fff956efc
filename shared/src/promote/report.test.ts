import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyManifest, readManifest, serializeManifest } from '../manifest/manifest.ts';
import type { EdgeReport, PromoteResult } from './promote.ts';
import { recordPromoted } from './report.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;

const edge = (digest: string, destination: string, tag: string | undefined, status: EdgeReport['status']): EdgeReport => ({
  image: 'kube-apiserver',
  source: 'staging.test/k8s/kube-apiserver',
  digest,
  destination,
  tag,
  action: status === 'skipped' ? 'skip' : 'copy',
  status,
  ...(status === 'failed' ? { error: 'boom' } : {}),
});

const result = (edges: EdgeReport[], confirmed = true): PromoteResult => ({
  confirmed,
  edges,
  promoted: 0,
  skipped: 0,
  failed: 0,
  attached: { referrers: 0, signatures: 0, attestations: 0 },
  checks: [],
  transfers: {},
});

describe('recordPromoted: promoted references in the release manifest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'promote-record-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('records promoted and skipped edges under their image (added when absent), not failed ones; a rerun changes no byte', async () => {
    const file = path.join(dir, 'release.json');
    await writeFile(
      file,
      serializeManifest({ ...emptyManifest(), images: [{ reference: 'staging.test/k8s/kube-apiserver:v1.31.2', digest: D1 }] }),
    );
    const run = result([
      edge(D1, 'us.test/k8s/kube-apiserver', 'v1.31.2', 'promoted'),
      edge(D1, 'eu.test/k8s/kube-apiserver', 'v1.31.2', 'skipped'),
      edge(D2, 'us.test/k8s/kube-apiserver', undefined, 'promoted'),
      edge(D3, 'us.test/k8s/kube-apiserver', 'v9', 'failed'),
    ]);
    await recordPromoted(file, run);
    const manifest = await readManifest(file);
    expect(manifest.images).toEqual([
      {
        reference: 'staging.test/k8s/kube-apiserver:v1.31.2',
        digest: D1,
        produced: {
          promoted: [`eu.test/k8s/kube-apiserver:v1.31.2@${D1}`, `us.test/k8s/kube-apiserver:v1.31.2@${D1}`],
        },
      },
      {
        reference: `staging.test/k8s/kube-apiserver@${D2}`,
        digest: D2,
        produced: { promoted: [`us.test/k8s/kube-apiserver@${D2}`] },
      },
    ]);
    const bytes = await readFile(file);
    await recordPromoted(file, run);
    expect((await readFile(file)).equals(bytes)).toBe(true);
  });

  it('writes nothing when nothing was promoted or skipped', async () => {
    const file = path.join(dir, 'untouched.json');
    await recordPromoted(file, result([edge(D3, 'us.test/k8s/kube-apiserver', 'v9', 'failed')]));
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
