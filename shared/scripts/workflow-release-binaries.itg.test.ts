/**
 * release-binaries.yml executed by the workflow runner: the stages hand the tree, the signatures and the release
 * manifest to each other through artifacts and job outputs, as on GitHub. Key signing, file:// destinations.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentFor } from '../src/publish/release-tree.fixture.ts';
import { testKeyPair } from '../src/testing/sigstore.ts';
import { snapshot } from '../src/testing/snapshot.ts';
import { runWorkflow, type WorkflowResult } from '../src/testing/workflow-runner.ts';

const keys = testKeyPair();
const VERSION = 'v1.31.2';
let dir: string;

/** A staged tree, as the caller's build job uploads it (the artifact store's folder of that name). */
async function stage(scratch: string, artifact = 'release-tree'): Promise<void> {
  const files = [
    'bin/linux/amd64/kubectl',
    'bin/linux/arm64/kubectl',
    'bin/darwin/arm64/kubectl',
    'kubernetes.tar.gz',
    'kubernetes-client-linux-amd64.tar.gz',
  ];
  for (const f of files) {
    const file = path.join(scratch, 'artifacts', artifact, f);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, contentFor(f, 16 * 1024));
  }
}

function summary(result: WorkflowResult): Record<string, string> {
  return Object.fromEntries(Object.entries(result.jobs).map(([id, j]) => [id, j.result]));
}

async function release(
  name: string,
  inputs: Record<string, string | boolean> = {},
  sourceDateEpoch = '1767225600',
): Promise<{ result: WorkflowResult; out: string }> {
  const scratch = await mkdtemp(path.join(dir, `${name}-`));
  await stage(scratch);
  const out = path.join(dir, 'out');
  const result = await runWorkflow('.github/workflows/release-binaries.yml', {
    scratch,
    inputs: {
      version: VERSION,
      'sbom-format': 'none',
      signing: 'key',
      'rekor-url': 'none',
      'tsa-url': 'none',
      'public-key': keys.publicPem,
      destinations: `file://${out}/bucket\nfile://${out}/mirror`,
      'marker-destination': `file://${out}/bucket`,
      ...inputs,
    },
    secrets: { SIGNING_KEY: keys.privatePem },
    env: { SOURCE_DATE_EPOCH: sourceDateEpoch },
  });
  return { result, out };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'release-binaries-run-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('release-binaries.yml, run', () => {
  it('signs, publishes to both mirrors and moves the markers; checksums verify', async () => {
    const { result, out } = await release('first');
    expect(summary(result), JSON.stringify(result.jobs, null, 1).slice(0, 4000)).toEqual({
      sbom: 'skipped',
      sign: 'success',
      publish: 'success',
      markers: 'success',
    });
    for (const mirror of ['bucket', 'mirror']) {
      const release = path.join(out, mirror, 'release', VERSION);
      execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: release });
      expect(JSON.parse(await readFile(path.join(release, 'index.json'), 'utf8'))).toBeTruthy();
      await readFile(path.join(release, 'bin/linux/amd64/kubectl.sigstore.json'));
    }
    expect((await readFile(path.join(out, 'bucket', 'release', 'stable.txt'), 'utf8')).trim()).toBe(VERSION);
    expect(JSON.parse(result.outputs['urls'] as string).length).toBeGreaterThan(10);
    expect(JSON.parse(result.outputs['markers-updated'] as string)).toBeTruthy();
    expect(result.concurrency).toBe(`release-actions-binaries-kubernetes/release-test-${VERSION}`);
  });

  it('a dry run reaches sign and publish, writes nothing and skips the markers', async () => {
    const { result, out } = await release('dry', { 'dry-run': true, destinations: `file://${dir}/dry-out` });
    expect(summary(result)).toEqual({ sbom: 'skipped', sign: 'success', publish: 'success', markers: 'skipped' });
    await expect(readFile(path.join(dir, 'dry-out', 'release', VERSION, 'index.json'))).rejects.toThrow();
    expect(out).toBeTruthy();
  });

  it('ci builds publish under ci/ where update-markers looks for them', async () => {
    const version = 'v1.33.0-alpha.0.5+0123456789abcd';
    const { result, out } = await release('ci', {
      version,
      'build-type': 'ci',
      destinations: `file://${dir}/ci-out`,
      'marker-destination': `file://${dir}/ci-out`,
    });
    expect(summary(result)).toEqual({ sbom: 'skipped', sign: 'success', publish: 'success', markers: 'success' });
    await readFile(path.join(dir, 'ci-out', 'ci', version, 'index.json'));
    expect((await readFile(path.join(dir, 'ci-out', 'ci', 'latest.txt'), 'utf8')).trim()).toBe(version);
    expect(out).toBeTruthy();
  });

  it('with SBOMs: they are signed and published with the tree', async () => {
    const { result } = await release('sbom', { 'sbom-format': 'both', destinations: `file://${dir}/sbom-out` });
    expect(summary(result)).toEqual({ sbom: 'success', sign: 'success', publish: 'success', markers: 'success' });
    const listing = execFileSync('find', ['.', '-path', '*sbom*', '-name', '*.sigstore.json'], {
      cwd: path.join(dir, 'sbom-out'),
      encoding: 'utf8',
    });
    expect(listing.trim()).not.toBe('');
  });
});

describe('release-binaries.yml, "Re-run all jobs"', () => {
  // The rerun signs again. With the same key, files and SOURCE_DATE_EPOCH, key mode makes the same bytes (RFC 6979)
  // and publish-binaries finds every object equal. A rerun at a later time makes other signature material (the
  // provenance's time; keyless: every bundle): publish-binaries finds the same release files by digest, verifies
  // the signatures already published and completes as already published. Either way it writes nothing: what the
  // destination holds is the first run's, byte for byte.
  it('signs again, then finds the release already published and writes nothing', async () => {
    const out = `${dir}/rerun-out`;
    const first = await release('rerun-1', { destinations: `file://${out}`, 'marker-destination': '' });
    expect(summary(first.result)).toMatchObject({ sign: 'success', publish: 'success' });
    const before = await snapshot(out);
    const same = await release('rerun-same', { destinations: `file://${out}`, 'marker-destination': '' });
    const sameLog = same.result.jobs['publish']?.runs[0]?.steps.find((s) => s.id === 'publish')?.log ?? '';
    expect(sameLog).toMatch(/: 0 to upload, \d+ equal/);
    expect(await snapshot(out)).toEqual(before);
    const { result } = await release('rerun-2', { destinations: `file://${out}`, 'marker-destination': '' }, '1767312000');
    expect(summary(result)).toEqual({ sbom: 'skipped', sign: 'success', publish: 'success', markers: 'skipped' });
    const log = result.jobs['publish']?.runs[0]?.steps.find((s) => s.id === 'publish')?.log ?? '';
    expect(log).toMatch(
      /v1\.31\.2 is already published \(the same files by digest; the signatures of the run that published it verify\)/,
    );
    expect(await snapshot(out)).toEqual(before);

    // Published signatures that do not verify are no earlier run's: the rerun is refused and writes nothing.
    const published = path.join(out, 'release', VERSION);
    await writeFile(
      path.join(published, 'kubernetes.tar.gz.sigstore.json'),
      await readFile(path.join(published, 'bin/linux/amd64/kubectl.sigstore.json')),
    );
    const tampered = await snapshot(out);
    const third = await release('rerun-3', { destinations: `file://${out}`, 'marker-destination': '' }, '1767312000');
    expect(summary(third.result)).toMatchObject({ sign: 'success', publish: 'failure' });
    const failed = third.result.jobs['publish']?.runs[0]?.steps.find((s) => s.id === 'publish')?.log ?? '';
    expect(failed).toMatch(/Verify the signatures published at/);
    expect(failed).toMatch(/kubernetes\.tar\.gz/);
    expect(await snapshot(out)).toEqual(tampered);
  });
});
