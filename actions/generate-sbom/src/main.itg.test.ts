/**
 * The bundle end to end, as the runner runs it (bundle first: node shared/scripts/bundle.ts generate-sbom): with the
 * inputs release-binaries.yml's sbom job passes, with an image index pushed to a loopback docker-registry, and with
 * bad inputs.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { githubContext, repoRoot, runBundle } from '../../../shared/src/runner/run-bundle.ts';
import { buildGoBinary } from '../../../shared/src/sbom/go-binary.fixture.ts';
import { cycloneDxSchemaError, spdxSchemaErrors } from '../../../shared/src/sbom/sbom-validate.fixture.ts';
import { pushLayout, sharedLayerImages, skopeo } from '../../../shared/src/testing/oci-images.ts';
import { type Registry, startRegistry } from '../../../shared/src/testing/registry.ts';

const VERSION = 'v1.31.2';
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'generate-sbom-e2e-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** The `with:` of release-binaries.yml's generate-sbom step, its `${{ inputs.* }}` replaced by the workflow's defaults. */
async function workflowInputs(): Promise<Record<string, string>> {
  const doc = parseYaml(await readFile(path.join(repoRoot(), '.github/workflows/release-binaries.yml'), 'utf8'));
  const defaults: Record<string, string> = { version: VERSION };
  for (const [k, v] of Object.entries(doc.on.workflow_call.inputs as Record<string, { default?: unknown }>))
    if (v.default !== undefined) defaults[k] ??= String(v.default);
  const step = (doc.jobs.sbom.steps as { uses?: string; with: Record<string, string> }[]).find((s) =>
    s.uses?.includes('/actions/generate-sbom@'),
  );
  return Object.fromEntries(
    Object.entries(step?.with ?? {}).map(([k, v]) => [
      k,
      String(v).replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => defaults[name] ?? ''),
    ]),
  );
}

describe('generate-sbom bundle', () => {
  it("runs with the inputs of release-binaries.yml's sbom job, and a rerun writes nothing", async () => {
    const ws = path.join(work, 'workflow');
    await mkdir(path.join(ws, 'release/bin/linux/amd64'), { recursive: true });
    const go = await buildGoBinary(work, { name: 'kubectl' });
    await copyFile(go.binary, path.join(ws, 'release/bin/linux/amd64/kubectl'));
    await writeFile(path.join(ws, 'release/kubernetes.tar.gz'), 'not really a tarball');
    const inputs = await workflowInputs();
    expect(inputs).toMatchObject({
      'base-dir': 'release',
      'output-dir': 'release/sbom',
      manifest: '.release-actions/manifest.json',
    });
    const env = { SOURCE_DATE_EPOCH: '1767323045' };
    const run = await runBundle('generate-sbom', { workspace: ws, inputs, env, githubContext: true });
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(run.exitCode).toBe(0);
    const sboms = JSON.parse(run.outputs.sboms as string) as string[];
    // name defaults to the repository's name.
    const name = githubContext(ws).GITHUB_REPOSITORY?.split('/')[1];
    expect(sboms).toEqual([`release/sbom/${name}.cdx.json`, `release/sbom/${name}.spdx.json`]);
    expect(Number(run.outputs['go-modules'])).toBe(2);
    const cdx = await readFile(path.join(ws, sboms[0] as string), 'utf8');
    const spdx = await readFile(path.join(ws, sboms[1] as string), 'utf8');
    expect(await cycloneDxSchemaError(cdx)).toBeNull();
    expect(spdxSchemaErrors(JSON.parse(spdx))).toEqual([]);
    expect(JSON.parse(cdx).metadata.timestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(JSON.parse(spdx).creationInfo.created).toBe('2026-01-02T03:04:05Z');
    expect(cdx).toContain(`pkg:generic/kubectl@${VERSION}?checksum=sha256:`);
    // Named as Kubernetes names them (base-dir: release), recorded in the manifest from the workspace.
    expect(JSON.parse(spdx).packages.map((p: { packageFileName?: string }) => p.packageFileName)).toContain(
      'bin/linux/amd64/kubectl',
    );
    expect(run.annotations.map((a) => a.message).join('\n')).toMatch(/^kubernetes\.tar\.gz: not a readable tar/m);
    expect(run.summary).toContain('release/bin/linux/amd64/kubectl');
    const manifest = JSON.parse(await readFile(path.join(ws, '.release-actions/manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual([
      'release/bin/linux/amd64/kubectl',
      'release/kubernetes.tar.gz',
    ]);

    const rerun = await runBundle('generate-sbom', { workspace: ws, inputs, env, githubContext: true });
    expect(rerun.exitCode).toBe(0);
    expect(rerun.stdout).toContain('nothing was written');
    expect(await readFile(path.join(ws, sboms[0] as string), 'utf8')).toBe(cdx);
    expect(await readFile(path.join(ws, sboms[1] as string), 'utf8')).toBe(spdx);
  }, 300_000);

  describe('an image index in a loopback registry', () => {
    let registry: Registry;
    beforeAll(async () => {
      registry = await startRegistry();
    });
    afterAll(() => registry?.stop());

    it('appears with the index, both platforms and their layers, digests as skopeo reads them', async () => {
      const layout = path.join(work, 'layout');
      await sharedLayerImages(layout);
      await pushLayout(layout, 'multi', `${registry.host}/kube-proxy:${VERSION}`);
      const target = `docker://${registry.host}/kube-proxy:${VERSION}`;
      const indexRaw = await skopeo('inspect', '--raw', '--tls-verify=false', target);
      const { createHash } = await import('node:crypto');
      const indexDigest = `sha256:${createHash('sha256').update(indexRaw).digest('hex')}`;
      const index = JSON.parse(indexRaw) as { manifests: { digest: string; platform: { architecture: string } }[] };
      const ws = path.join(work, 'image');
      await mkdir(ws, { recursive: true });
      const run = await runBundle('generate-sbom', {
        workspace: ws,
        inputs: {
          images: `${registry.host}/kube-proxy:${VERSION}@${indexDigest}`,
          'plain-http-registries': registry.host,
          name: 'images',
          version: VERSION,
        },
      });
      expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
      expect(run.exitCode).toBe(0);
      const cdx = JSON.parse(await readFile(path.join(ws, 'sbom/images.cdx.json'), 'utf8'));
      const spdx = JSON.parse(await readFile(path.join(ws, 'sbom/images.spdx.json'), 'utf8'));
      expect(spdxSchemaErrors(spdx)).toEqual([]);
      const top = cdx.components[0];
      expect(top.purl).toBe(
        `pkg:oci/kube-proxy@${indexDigest.replace(':', '%3A')}?repository_url=${registry.host}/kube-proxy&tag=${VERSION}`,
      );
      expect(top.hashes).toEqual([{ alg: 'SHA-256', content: indexDigest.slice(7) }]);
      expect(top.components.map((c: { version: string }) => c.version).sort()).toEqual(
        index.manifests.map((m) => m.digest).sort(),
      );
      for (const platform of top.components as { version: string; components: { name: string }[] }[]) {
        const raw = await skopeo(
          'inspect',
          '--raw',
          '--tls-verify=false',
          `docker://${registry.host}/kube-proxy@${platform.version}`,
        );
        const manifest = JSON.parse(raw) as { layers: { digest: string }[] };
        expect(platform.components.map((l) => l.name)).toEqual(manifest.layers.map((l) => l.digest).sort());
      }
      const ids = spdx.packages.map((p: { SPDXID: string }) => p.SPDXID);
      expect(ids).toContain(`SPDXRef-Package-${registry.host.replace(':', '-')}-kube-proxy-${VERSION}`);
      expect(Number(run.outputs.components)).toBe(1 + 2 + 6);
    }, 120_000);
  });

  it.each([
    ['an unknown format', { files: 'a.txt', format: 'xml' }, 'format'],
    ['an image reference without a digest', { images: 'registry.k8s.io/pause:3.10' }, 'images'],
    ['a glob matching nothing', { files: 'a.txt\nmissing/**' }, 'files'],
  ])('%s: one error, nothing written', async (_, inputs, input) => {
    const ws = await mkdtemp(path.join(work, 'bad-'));
    await writeFile(path.join(ws, 'a.txt'), 'a');
    const run = await runBundle('generate-sbom', { workspace: ws, inputs });
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.properties.title).toBe(`Invalid input: ${input}`);
    expect(await readdir(ws)).toEqual(['a.txt']);
  });
});
