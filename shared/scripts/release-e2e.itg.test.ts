/**
 * End to end: release.yml, executed by the workflow runner, for a Kubernetes-shaped release (stand-in binaries for
 * four os/arch pairs, tarballs, the example packages for amd64 and arm64, kube-apiserver and kube-proxy as
 * two-platform images) against real services on loopback: a staging and two mirror docker-registry, s3rver and a
 * file:// mirror, a signing key and an OpenPGP key. Then what a consumer does: apt-get and dnf install kubeadm with
 * signatures checked, sha256sum -c on binaries downloaded from the bucket, every bundle verified, skopeo inspect on
 * every mirror, stable.txt. A second run writes nothing; a staged binary changed after signing stops the run at
 * publish's verify gate and nothing is published.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aptRoot, dnf, testKey } from '../src/packages/tools.fixture.ts';
import { repoRoot, runBundle } from '../src/runner/run-bundle.ts';
import { cycloneDxSchemaError, spdxSchemaErrors } from '../src/sbom/sbom-validate.fixture.ts';
import { type CountedRegistries, pushLayout, skopeo, startCountedRegistries } from '../src/testing/oci-images.ts';
import { type S3rverHandle, startS3rver } from '../src/testing/s3rver.ts';
import { testKeyPair } from '../src/testing/sigstore.ts';
import { snapshot } from '../src/testing/snapshot.ts';
import { runWorkflow, type WorkflowResult } from '../src/testing/workflow-runner.ts';

const VERSION = 'v1.31.2';
const EXAMPLES = path.join(repoRoot(), 'examples', 'local');
const IMAGES = ['kube-apiserver', 'kube-proxy'];
const keys = testKeyPair();
let dir: string;
let registries: CountedRegistries;
let s3: S3rverHandle;
let gpg: Awaited<ReturnType<typeof testKey>>;
let images: string[];

const results = (r: WorkflowResult) => Object.fromEntries(Object.entries(r.jobs).map(([id, j]) => [id, j.result]));

async function get(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The caller's build job: the staged tree uploaded as a folder, a checkout holding the packaging config. */
async function staged(name: string): Promise<{ scratch: string; checkout: string; tree: string }> {
  const scratch = await mkdtemp(path.join(dir, `${name}-`));
  const tree = path.join(scratch, 'artifacts', 'release-tree');
  execFileSync('bash', [path.join(EXAMPLES, 'stage.sh'), VERSION, tree]);
  const checkout = path.join(scratch, 'checkout');
  await mkdir(path.join(checkout, 'packaging'), { recursive: true });
  await cp(path.join(EXAMPLES, 'nfpm.yaml'), path.join(checkout, 'packaging', 'nfpm.yaml'));
  return { scratch, checkout, tree };
}

function release(run: { scratch: string; checkout: string }, out: string, log?: (line: string) => void): Promise<WorkflowResult> {
  const [, ...mirrors] = registries.hosts;
  return runWorkflow('.github/workflows/release.yml', {
    scratch: run.scratch,
    checkout: run.checkout,
    inputs: {
      version: VERSION,
      stages: 'packages,sbom,sign,publish,promote,markers',
      signing: 'key',
      'rekor-url': 'none',
      'tsa-url': 'none',
      'public-key': keys.publicPem,
      destinations: JSON.stringify([`s3://${path.basename(out)}/k8s`, `file://${out}/mirror`]),
      's3-endpoint': s3.endpoint,
      's3-region': s3.region,
      's3-force-path-style': true,
      images: images.join('\n'),
      'image-destinations': mirrors.map((m) => `${m}/k8s`).join('\n'),
      'image-tags': VERSION,
      'plain-http-registries': registries.hosts.join(','),
      'marker-destination': `file://${out}/mirror`,
    },
    secrets: {
      SIGNING_KEY: keys.privatePem,
      GPG_PRIVATE_KEY: gpg.privateKey,
      GPG_PASSPHRASE: gpg.passphrase,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    },
    env: { SOURCE_DATE_EPOCH: '1767225600', DOCKER_CONFIG: dir },
    log,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'release-e2e-'));
  [registries, s3, gpg] = await Promise.all([
    startCountedRegistries(3),
    startS3rver({ buckets: ['e2e', 'tampered'] }),
    testKey(),
  ]);
  const layouts = path.join(dir, 'images');
  execFileSync('bash', [path.join(EXAMPLES, 'stage-images.sh'), VERSION, layouts]);
  images = [];
  for (const image of IMAGES) {
    const layout = path.join(layouts, image);
    await pushLayout(layout, VERSION, `${registries.hosts[0]}/staging/${image}:${VERSION}`);
    const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8'));
    images.push(`${registries.hosts[0]}/staging/${image}@${index.manifests[0].digest}`);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([registries?.stop(), s3?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('release.yml end to end, against registries, s3rver and a folder', () => {
  it('releases; a consumer installs, downloads and verifies everything; a second run writes nothing', async () => {
    const out = path.join(dir, 'e2e');
    const run = await staged('first');
    const started = performance.now();
    const result = await release(run, out);
    expect(results(result)).toEqual({
      packages: 'success',
      sbom: 'success',
      sign: 'success',
      publish: 'success',
      promote: 'success',
      markers: 'success',
    });
    const seconds = (job: string) =>
      ((result.jobs[job]?.runs ?? []).flatMap((r) => r.steps).reduce((t, s) => t + s.durationMs, 0) / 1000).toFixed(1);
    console.log(
      `release.yml end to end: ${((performance.now() - started) / 1000).toFixed(1)} s; per job: ${['packages', 'sbom', 'sign', 'publish', 'promote', 'markers'].map((j) => `${j} ${seconds(j)} s`).join(', ')}`,
    );

    // apt-get and dnf, from the repository published in the folder mirror, signatures checked.
    const repository = path.join(out, 'mirror', 'release', VERSION, 'packages', 'repository', 'stable', 'v1.31');
    const keyFile = path.join(dir, 'packages.asc');
    await writeFile(keyFile, gpg.publicKey);
    const keyring = path.join(dir, 'packages.gpg');
    execFileSync('gpg', ['--dearmor', '--yes', '--output', keyring, keyFile]);
    const { apt } = await aptRoot(`deb [signed-by=${keyring}] file:${repository}/deb/ /`);
    const update = await apt('apt-get', ['update']);
    expect(update.code, update.out).toBe(0);
    expect(update.out).not.toMatch(/^(W|E):/m);
    const aptInstall = await apt('apt-get', ['-y', 'install', 'kubeadm']);
    expect(aptInstall.code, aptInstall.out).toBe(0);
    for (const name of ['kubeadm', 'kubelet', 'kubectl']) expect(aptInstall.out).toContain(`Setting up ${name}`);
    const dnfInstall = await dnf(path.join(repository, 'rpm'), keyFile, ['install', 'kubeadm']);
    expect(dnfInstall.code, dnfInstall.out).toBe(0);
    for (const name of ['kubeadm', 'kubelet', 'kubectl']) expect(dnfInstall.out).toContain(`${name}-`);
    await rm(dnfInstall.root, { recursive: true, force: true });

    // Binaries downloaded from the bucket over HTTP, checked with sha256sum -c against the published SHA256SUMS.
    const base = `${s3.endpoint}/e2e/k8s/release/${VERSION}`;
    const download = path.join(dir, 'download');
    for (const file of ['SHA256SUMS', 'bin/linux/amd64/kubeadm', 'bin/linux/arm64/kubectl', 'kubernetes.tar.gz']) {
      await mkdir(path.dirname(path.join(download, file)), { recursive: true });
      await writeFile(path.join(download, file), await get(`${base}/${file}`));
    }
    const sums = execFileSync('sha256sum', ['-c', '--ignore-missing', 'SHA256SUMS'], { cwd: download, encoding: 'utf8' });
    expect(sums.match(/: OK$/gm)).toHaveLength(3);

    // Every bundle in the folder mirror verified by sign-artifacts' verify mode.
    const verify = await runBundle('sign-artifacts', {
      workspace: path.join(out, 'mirror'),
      githubContext: false,
      inputs: {
        mode: 'verify',
        signing: 'key',
        'public-key': keys.publicPem,
        'rekor-url': 'none',
        'tsa-url': 'none',
        files: `release/${VERSION}/**`,
        exclude: 'index.json',
      },
    });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(Number(verify.outputs['verified'])).toBeGreaterThan(40);

    // Both images on both mirrors, both platforms.
    for (const mirror of registries.hosts.slice(1))
      for (const image of IMAGES) {
        const raw = JSON.parse(
          await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${mirror}/k8s/${image}:${VERSION}`),
        );
        expect(raw.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual([
          'amd64',
          'arm64',
        ]);
      }
    expect((await readFile(path.join(out, 'mirror', 'release', 'stable.txt'), 'utf8')).trim()).toBe(VERSION);
    expect((await get(`${base}/index.json`)).toString()).toContain('"version": "v1.31.2"');

    // Both SBOMs published with the release (and signed, verified above), valid against their schemas.
    const sboms = path.join(out, 'mirror', 'release', VERSION, 'sbom');
    const published = (await readdir(sboms)).filter((f) => f.endsWith('.json') && !f.endsWith('.sigstore.json'));
    const cdx = published.find((f) => f.endsWith('.cdx.json'));
    const spdx = published.find((f) => f.endsWith('.spdx.json'));
    expect(cdx && spdx, published.join(', ')).toBeTruthy();
    expect(await cycloneDxSchemaError(await readFile(path.join(sboms, cdx as string), 'utf8'))).toBeNull();
    const spdxDoc = JSON.parse(await readFile(path.join(sboms, spdx as string), 'utf8'));
    expect(spdxSchemaErrors(spdxDoc)).toEqual([]);
    expect(JSON.stringify(spdxDoc)).toContain('bin/linux/amd64/kubeadm');

    // A second run (a rerun of everything): nothing written anywhere.
    const before = await snapshot(out);
    const index = await get(`${base}/index.json`);
    registries.reset();
    const second = await release(await staged('second'), out);
    expect(results(second)).toMatchObject({ publish: 'success', promote: 'success', markers: 'success' });
    expect(registries.counts.writes).toEqual([]);
    expect(await snapshot(out)).toEqual(before);
    expect(await get(`${base}/index.json`)).toEqual(index);
    expect(second.outputs['markers-updated']).not.toMatch(/stable/);
  }, 600_000);

  it('a staged binary changed after signing stops the run at the verify gate: nothing is published', async () => {
    const out = path.join(dir, 'tampered');
    const run = await staged('tampered');
    registries.reset();
    const result = await release(run, out, (line) => {
      // Once the sign job has handed its signatures on, the staged tree changes under them.
      if (/step Hand the signatures, checksums, provenance and the manifest on: success/.test(line))
        writeFileSync(path.join(run.tree, 'bin', 'linux', 'amd64', 'kubectl'), '#!/bin/sh\necho tampered\n');
    });
    expect(results(result)).toMatchObject({ sign: 'success', publish: 'failure', promote: 'skipped', markers: 'skipped' });
    const log = (result.jobs['publish']?.runs ?? []).flatMap((r) => r.steps.map((s) => s.log)).join('\n');
    expect(log).toMatch(/VERIFICATION_FAILED.*bin\/linux\/amd64\/kubectl: the bundle is for different content/);
    await expect(stat(path.join(out, 'mirror'))).rejects.toThrow();
    expect((await fetch(`${s3.endpoint}/tampered/k8s/release/${VERSION}/index.json`)).status).toBe(404);
    expect(registries.counts.writes).toEqual([]);
  }, 600_000);
});
