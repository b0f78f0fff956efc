/**
 * release.yml and release-dispatch.yml executed by the workflow runner: the staged tree travels as tree.tar, the
 * publish stage is a matrix over two file:// mirrors, the markers move.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/runner/run-bundle.ts';
import { testKeyPair } from '../src/testing/sigstore.ts';
import { runWorkflow, type WorkflowResult, type WorkflowRunOptions } from '../src/testing/workflow-runner.ts';

const keys = testKeyPair();
const VERSION = 'v1.31.2';
const STAGE = path.join(repoRoot(), 'examples', 'local', 'stage.sh');
let dir: string;

const results = (r: WorkflowResult) => Object.fromEntries(Object.entries(r.jobs).map(([id, j]) => [id, j.result]));

/** What a caller's stage job uploads: the tree as tree.tar under release-tree. */
async function stagedRun(name: string): Promise<string> {
  const scratch = await mkdtemp(path.join(dir, `${name}-`));
  const tree = path.join(scratch, 'tree');
  execFileSync('bash', [STAGE, VERSION, tree]);
  await mkdir(path.join(scratch, 'artifacts', 'release-tree'), { recursive: true });
  execFileSync('tar', ['-cf', path.join(scratch, 'artifacts', 'release-tree', 'tree.tar'), '-C', tree, '.']);
  return scratch;
}

function release(scratch: string, out: string, inputs: WorkflowRunOptions['inputs'] = {}): Promise<WorkflowResult> {
  return runWorkflow('.github/workflows/release.yml', {
    scratch,
    inputs: {
      version: VERSION,
      stages: 'sign,publish,markers',
      signing: 'key',
      'rekor-url': 'none',
      'tsa-url': 'none',
      'public-key': keys.publicPem,
      destinations: JSON.stringify([`file://${out}/bucket`, `file://${out}/mirror`]),
      'marker-destination': `file://${out}/bucket`,
      environment: 'release',
      ...inputs,
    },
    secrets: { SIGNING_KEY: keys.privatePem },
    env: { SOURCE_DATE_EPOCH: '1767225600' },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'release-run-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('release.yml, run', () => {
  it('signs, publishes to each mirror in its own job behind the approval gate, and moves the markers', async () => {
    const out = path.join(dir, 'out');
    const result = await release(await stagedRun('full'), out);
    expect(results(result), JSON.stringify(result.jobs, null, 1).slice(0, 3000)).toEqual({
      packages: 'skipped',
      sbom: 'skipped',
      sign: 'success',
      publish: 'success',
      promote: 'skipped',
      markers: 'success',
    });
    const publish = result.jobs['publish']?.runs ?? [];
    expect(publish.map((r) => r.matrix['destination'])).toEqual([`file://${out}/bucket`, `file://${out}/mirror`]);
    expect(publish.map((r) => r.environment)).toEqual(['release', 'release']);
    expect(publish[0]?.permissions).toEqual({ contents: 'write', 'id-token': 'write' });
    for (const mirror of ['bucket', 'mirror']) {
      const published = path.join(out, mirror, 'release', VERSION);
      execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: published });
      await stat(path.join(published, 'bin/linux/arm64/kubeadm.sigstore.json'));
      await expect(stat(path.join(published, 'tree.tar'))).rejects.toThrow();
    }
    expect((await readFile(path.join(out, 'bucket', 'release', 'stable.txt'), 'utf8')).trim()).toBe(VERSION);
    expect(result.outputs['markers-updated']).toMatch(/stable/);
    expect(result.concurrency).toBe(`release-actions-release-kubernetes/release-test-${VERSION}`);
    expect(result.permissions).toEqual({ contents: 'read' });
  });

  it('a dry run reaches every stage it runs but the markers (nothing is published for them to point at), and writes nothing', async () => {
    const out = path.join(dir, 'dry');
    const result = await release(await stagedRun('dry'), out, { 'dry-run': true });
    expect(results(result)).toEqual({
      packages: 'skipped',
      sbom: 'skipped',
      sign: 'success',
      publish: 'success',
      promote: 'skipped',
      markers: 'skipped',
    });
    const log = (job: string, id: string) => result.jobs[job]?.runs[0]?.steps.find((s) => s.id === id)?.log ?? '';
    expect(log('sign', 'sign')).toMatch(/would sign release\/bin\/linux\/amd64\/kubectl/);
    expect(log('publish', 'publish')).toMatch(/Plan for file:.*: \d+ to upload/);
    await expect(stat(out)).rejects.toThrow();
  });
});

describe('release-dispatch.yml, run', () => {
  it('stages the tree, maps the typed inputs onto release.yml and hands the repository secrets on', async () => {
    const scratch = await mkdtemp(path.join(dir, 'dispatch-'));
    const checkout = path.join(scratch, 'checkout');
    await mkdir(path.join(checkout, 'examples', 'local'), { recursive: true });
    execFileSync('cp', [STAGE, path.join(checkout, 'examples', 'local')]);
    const out = path.join(dir, 'dispatch-out');
    const result = await runWorkflow('.github/workflows/release-dispatch.yml', {
      scratch,
      event: 'workflow_dispatch',
      checkout,
      inputs: { version: VERSION, stages: 'binaries', 'build-type': 'release', 'dry-run': true },
      vars: { RELEASE_DESTINATIONS: JSON.stringify([`file://${out}`]), RELEASE_MARKER_DESTINATION: `file://${out}` },
      secrets: { SIGNING_KEY: keys.privatePem },
    });
    // binaries: sbom, sign and publish.
    expect(results(result)).toEqual({ stage: 'success', release: 'success' });
    const called = result.jobs['release']?.runs[0]?.called;
    expect(called && results(called)).toEqual({
      packages: 'skipped',
      sbom: 'success',
      sign: 'success',
      publish: 'success',
      promote: 'skipped',
      markers: 'skipped',
    });
    expect(called?.jobs['publish']?.runs[0]?.matrix).toEqual({ destination: `file://${out}` });
    await expect(
      runWorkflow('.github/workflows/release-dispatch.yml', {
        scratch,
        event: 'workflow_dispatch',
        checkout,
        inputs: { version: VERSION, stages: 'everything' },
      }),
    ).rejects.toThrow(/not one of all, binaries, packages, images, markers/);
  });
});
