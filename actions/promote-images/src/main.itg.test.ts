/** The bundle end to end, run as the runner runs it (bundle first: node shared/scripts/bundle.ts promote-images). */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, runBundle } from '../../../shared/src/runner/run-bundle.ts';
import {
  type CountedRegistries,
  pushLayout,
  sharedLayerImages,
  startCountedRegistries,
  type TestImage,
} from '../../../shared/src/testing/oci-images.ts';
import { type SigstoreServer, startSigstoreServer, testIdentityToken } from '../../../shared/src/testing/sigstore.ts';

const MISSING = `sha256:${'0'.repeat(64)}`;

describe('promote-images bundle', () => {
  let workspace: string;
  let served: CountedRegistries;
  let hosts: string[];
  let images: { multi: TestImage; single: TestImage };

  const manifest = (dmap: Record<string, string[]>) =>
    [
      'registries:',
      `- name: ${hosts[0]}/staging`,
      '  src: true',
      `- name: ${hosts[1]}/prod`,
      `- name: ${hosts[2]}/prod`,
      'images:',
      '- name: multi',
      '  dmap:',
      ...Object.entries(dmap).map(([d, tags]) => `    "${d}": ${JSON.stringify(tags)}`),
    ].join('\n');

  async function run(files: Record<string, string>, inputs: Record<string, string>): Promise<RunResult> {
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(workspace, name), text);
    served.reset();
    return runBundle('promote-images', {
      workspace,
      inputs: { 'plain-http-registries': hosts.join('\n'), ...inputs },
      env: { SOURCE_DATE_EPOCH: '1767225600', DOCKER_CONFIG: workspace },
    });
  }

  beforeAll(async () => {
    workspace = await mkdtemp(path.join(tmpdir(), 'promote-e2e-'));
    served = await startCountedRegistries(3);
    hosts = served.hosts;
    images = await sharedLayerImages(path.join(workspace, 'layout'));
    await pushLayout(path.join(workspace, 'layout'), 'multi', `${served.registries[0]?.host}/staging/multi:multi`);
  }, 120_000);
  afterAll(async () => {
    await served.stop();
    await rm(workspace, { recursive: true, force: true });
  });

  it('without confirm: the plan in the log and the summary, exit 0, nothing written', async () => {
    const result = await run({ 'promo.yaml': manifest({ [images.multi.digest]: ['v1'] }) }, { manifests: 'promo.yaml' });
    expect(result.exitCode).toBe(0);
    expect(result.summary).toContain('plan only');
    expect(result.summary).toContain('| multi |');
    expect(result.outputs).toMatchObject({ promoted: '0', failed: '0' });
    expect(served.counts.writes).toEqual([]);
  });

  it('confirmed with a digest staging lacks: the rest is promoted, the report names the failure, exit 1', async () => {
    const result = await run(
      { 'promo.yaml': manifest({ [images.multi.digest]: ['v1'], [MISSING]: ['v2'] }) },
      { manifests: 'promo.yaml', confirm: 'true', report: 'out/report.json' },
    );
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ promoted: '2', failed: '2' });
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(MISSING);
    const report = JSON.parse(await readFile(path.join(workspace, 'out/report.json'), 'utf8'));
    expect(report.edges.filter((e: { status: string }) => e.status === 'failed')).toHaveLength(2);
  });

  it.each([
    ['malformed YAML', 'registries: [\n', 'yaml'],
    ['two src: true', 'TWO_SRC', 'registries.src'],
    ['a bad digest', 'BAD_DIGEST', 'images[0].dmap'],
    ['a bad tag', 'BAD_TAG', 'images[0].dmap.'],
    ['an unknown key', 'UNKNOWN', 'images[0].tags'],
  ])('bad input, %s: one ::error naming file and field, nothing written', async (_name, kind, field) => {
    const good = manifest({ [images.multi.digest]: ['v1'] });
    const text =
      kind === 'TWO_SRC'
        ? good.replace(`- name: ${hosts[1]}/prod`, `- name: ${hosts[1]}/prod\n  src: true`)
        : kind === 'BAD_DIGEST'
          ? good.replace(images.multi.digest, 'sha256:abc')
          : kind === 'BAD_TAG'
            ? good.replace('["v1"]', '["v1", ".bad"]')
            : kind === 'UNKNOWN'
              ? good.replace('  dmap:', '  tags: [v1]\n  dmap:')
              : kind;
    const result = await run({ 'bad.yaml': text }, { manifests: 'bad.yaml', confirm: 'true' });
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('bad.yaml');
    expect(errors[0]?.message).toContain(field);
    expect(served.counts.requests).toBe(0);
  });

  it('bad input, images without a digest: one ::error naming the input, nothing written', async () => {
    const result = await run(
      {},
      { images: `${hosts[0]}/staging/multi:multi`, destinations: `${hosts[1]}/prod`, confirm: 'true' },
    );
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/images.*digest/);
    expect(served.counts.requests).toBe(0);
  });

  describe('keyless, against a private Sigstore instance on loopback', () => {
    const identity = 'https://github.com/kubernetes/k8s.io/.github/workflows/promote.yml@refs/heads/main';
    const issuer = 'https://token.actions.githubusercontent.com';
    let sigstore: SigstoreServer;
    beforeAll(async () => {
      sigstore = await startSigstoreServer();
    });
    afterAll(() => sigstore.close());

    it('signs each promoted digest keyless; verify then promotes it for the right identity only', async () => {
      const service = {
        'fulcio-url': sigstore.url,
        'rekor-url': sigstore.url,
        'tsa-url': sigstore.url,
        'trusted-root': 'trusted_root.json',
      };
      const signed = await run(
        { 'trusted_root.json': JSON.stringify(sigstore.trustedRoot) },
        {
          images: `${hosts[0]}/staging/multi@${images.multi.digest}`,
          destinations: `${hosts[1]}/keyless`,
          tags: 'v1',
          confirm: 'true',
          sign: 'true',
          signing: 'keyless',
          'identity-token': testIdentityToken({ sub: identity, iss: issuer }),
          ...service,
        },
      );
      expect(signed.annotations.filter((a) => a.level === 'error')).toEqual([]);
      expect(signed.exitCode).toBe(0);
      expect(signed.outputs).toMatchObject({ promoted: '1', failed: '0' });
      // docker-registry 2.8 has no referrers API: the signature is in the cosign tag schema.
      expect(served.counts.writes.some((w) => w.includes(`/manifests/${images.multi.digest.replace(':', '-')}.sig`))).toBe(true);

      const verify = (to: string, policy: Record<string, string>) =>
        run(
          {},
          {
            images: `${hosts[1]}/keyless/multi@${images.multi.digest}`,
            destinations: `${hosts[2]}/${to}`,
            tags: 'v1',
            confirm: 'true',
            verify: 'required',
            'certificate-oidc-issuer': issuer,
            ...service,
            ...policy,
          },
        );
      const ok = await verify('verified', { 'certificate-identity': identity });
      expect(ok.exitCode).toBe(0);
      expect(ok.outputs).toMatchObject({ promoted: '1', failed: '0' });
      const refused = await verify('refused', { 'certificate-identity-regexp': '^https://github\\.com/evil/' });
      expect(refused.exitCode).toBe(1);
      expect(refused.outputs).toMatchObject({ promoted: '0', failed: '1' });
      expect(served.counts.writes).toEqual([]);
    });
  });
});
