import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputReader } from '../../../shared/src/core/inputs.ts';
import { emptyManifest, serializeManifest } from '../../../shared/src/manifest/manifest.ts';
import { testKeyPair } from '../../../shared/src/testing/sigstore.ts';
import { readInputs } from './inputs.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const env = {
  GITHUB_WORKSPACE: '/tmp/ws',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
};
const base = { images: `registry.test/staging/foo@${DIGEST}`, destinations: 'registry.test/prod' };
const read = (given: Record<string, string>, environment: NodeJS.ProcessEnv = env) =>
  readInputs(new InputReader((name) => ({ ...base, ...given })[name] ?? ''), environment);
const fails = (given: Record<string, string>, input: string, environment?: NodeJS.ProcessEnv) =>
  expect(read(given, environment)).rejects.toMatchObject({ code: 'INPUT_INVALID', input });

describe('promote-images inputs: signing and verification', () => {
  it('sign with a key: no witnesses, signatures checked with its public half', async () => {
    const { options } = await read({ sign: 'true', 'private-key': testKeyPair().privatePem });
    expect(options.signing?.signer.kind).toBe('key');
    expect(options.signing?.witnesses).toEqual([]);
    expect(options.signing && 'key' in options.signing.trust).toBe(true);
  });

  it('sign keyless: the runner token, Rekor and the TSA of the public-good instance by default', async () => {
    const { options } = await read({ sign: 'true', signing: 'keyless' });
    expect(options.signing?.signer.kind).toBe('keyless');
    expect(options.signing?.witnesses).toHaveLength(2);
    expect(options.signing && 'verifier' in options.signing.trust).toBe(true);
  });

  it.each([
    [{ sign: 'true', signing: 'keyless', confirm: 'true' }, { GITHUB_WORKSPACE: '/tmp/ws' }, 'signing'],
    [{ sign: 'true', signing: 'keyless', 'rekor-url': 'none', 'tsa-url': 'none' }, env, 'rekor-url'],
    [{ sign: 'true', signing: 'keyless', 'fulcio-url': 'https://fulcio.example.test' }, env, 'trusted-root'],
    [{ sign: 'true', signing: 'keyless', 'fulcio-url': 'ftp://x' }, env, 'fulcio-url'],
    [{ sign: 'true', signing: 'key' }, env, 'private-key'],
    [{ verify: 'required' }, env, 'public-key'],
    [{ verify: 'required', 'certificate-identity': 'https://x' }, env, 'certificate-oidc-issuer'],
    [{ verify: 'required', 'certificate-identity': 'a', 'certificate-identity-regexp': 'b' }, env, 'certificate-identity-regexp'],
    [
      { verify: 'if-present', 'certificate-identity-regexp': '(', 'certificate-oidc-issuer': 'https://i' },
      env,
      'certificate-identity-regexp',
    ],
  ] as const)('%j fails on %s', async (given, environment, input) => {
    await fails(given, input, environment);
  });

  it('verify keyless: certificate identity (exact or regexp) and issuer against the public-good root', async () => {
    const identities: Record<string, string>[] = [
      { 'certificate-identity': 'https://github.com/kubernetes/k8s.io/.github/workflows/p.yml@refs/heads/main' },
      { 'certificate-identity-regexp': '^https://github\\.com/kubernetes/' },
    ];
    for (const identity of identities) {
      const { options } = await read({
        verify: 'required',
        ...identity,
        'certificate-oidc-issuer': 'https://token.actions.githubusercontent.com',
      });
      expect(options.verifyTrust && 'verifier' in options.verifyTrust).toBe(true);
    }
    const { options } = await read({ verify: 'if-present', 'public-key': testKeyPair().publicPem });
    expect(options.verifyTrust && 'key' in options.verifyTrust).toBe(true);
  });
});

describe('promote-images inputs: the release manifest', () => {
  it('without manifests or images, promotes the images the release manifest lists', async () => {
    const workspace = await mkdtemp(path.join(tmpdir(), 'promote-inputs-'));
    try {
      await writeFile(
        path.join(workspace, 'release.json'),
        serializeManifest({ ...emptyManifest(), images: [{ reference: 'staging.test/k8s/pause:3.10', digest: DIGEST }] }),
      );
      const { options, manifest } = await read(
        { images: '', destinations: 'us.test/k8s\neu.test/k8s', tags: '3.10', manifest: 'release.json' },
        { GITHUB_WORKSPACE: workspace },
      );
      expect(manifest).toBe(path.join(workspace, 'release.json'));
      expect(options.specs).toMatchObject([
        {
          source: 'staging.test/k8s/pause',
          digest: DIGEST,
          tags: ['3.10'],
          destinations: ['us.test/k8s/pause', 'eu.test/k8s/pause'],
        },
      ]);
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });
});

describe('promote-images inputs: files in the workspace', () => {
  it('refuses a manifest or an oci: layout that a symlink leads out of the workspace', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'promote-links-'));
    try {
      const workspace = path.join(dir, 'ws');
      await mkdir(path.join(dir, 'outside'));
      await mkdir(workspace);
      await writeFile(path.join(dir, 'outside', 'secret.yaml'), 'registries: []\n');
      await symlink(path.join(dir, 'outside', 'secret.yaml'), path.join(workspace, 'link.yaml'));
      await symlink(path.join(dir, 'outside'), path.join(workspace, 'out'));
      await expect(
        read({ images: '', destinations: '', manifests: 'link.yaml' }, { GITHUB_WORKSPACE: workspace }),
      ).rejects.toMatchObject({
        code: 'INPUT_INVALID',
        input: 'manifests',
        message: expect.stringContaining('symlink'),
      });
      const { options } = await read({ destinations: 'oci:out/prod' }, { GITHUB_WORKSPACE: workspace });
      expect(() => options.client.store('oci:out/prod')).toThrow(expect.objectContaining({ code: 'PATH_UNSAFE' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
