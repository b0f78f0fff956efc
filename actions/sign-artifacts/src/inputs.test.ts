import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputReader } from '../../../shared/src/core/inputs.ts';
import { githubContext } from '../../../shared/src/runner/run-bundle.ts';
import { testIdentityToken, testKeyPair } from '../../../shared/src/testing/sigstore.ts';
import { readInputs } from './inputs.ts';

const env = {
  ...githubContext('/tmp/ws'),
  ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
};
const read = (given: Record<string, string>, environment: NodeJS.ProcessEnv = env) =>
  readInputs(new InputReader((name) => given[name] ?? ''), environment);
const sign = async (given: Record<string, string>, environment?: NodeJS.ProcessEnv) => {
  const inputs = await read(given, environment);
  if (inputs.mode !== 'sign') throw new Error('expected sign mode');
  return inputs.options;
};
const verify = async (given: Record<string, string>) => {
  const inputs = await read({ mode: 'verify', ...given });
  if (inputs.mode !== 'verify') throw new Error('expected verify mode');
  return inputs.options;
};
const fails = (given: Record<string, string>, input: string, environment?: NodeJS.ProcessEnv) =>
  expect(read(given, environment)).rejects.toMatchObject({ code: 'INPUT_INVALID', input });

describe('readInputs, sign mode', () => {
  it('reads the defaults: keyless against the public-good instance, everything on', async () => {
    const options = await sign({ files: 'dist/**\n# comment\n_output/*.tar.gz' });
    expect(options).toMatchObject({
      workspace: '/tmp/ws',
      files: ['dist/**', '_output/*.tar.gz'],
      endpoints: { rekorUrl: 'https://rekor.sigstore.dev', tsaUrl: 'https://timestamp.sigstore.dev/api/v1/timestamp' },
      checksums: true,
      legacySignatures: true,
      concurrency: 10,
      timeoutMs: 180_000,
      retryBudgetMs: 600_000,
      force: false,
      dryRun: false,
      manifest: undefined,
      sourceDate: undefined,
    });
    expect(options.signer.kind).toBe('keyless');
    expect(options.exclude).toEqual(['*.docker_tag', 'README*', 'Makefile', '*.pem']);
    expect(options.trust?.thresholds).toEqual({ tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
    expect(options.provenance).toMatchObject({
      repository: 'kubernetes/release-test',
      workflowRef: 'kubernetes/release-test/.github/workflows/release.yml@refs/tags/v1.31.2',
      runAttempt: '1',
    });
  });

  it('reads key signing offline, SOURCE_DATE_EPOCH, durations and the manifest', async () => {
    const keys = testKeyPair();
    const options = await sign(
      {
        files: 'a',
        signing: 'key',
        'private-key': keys.encryptedPem('pw'),
        'private-key-password': 'pw',
        'rekor-url': 'none',
        'tsa-url': 'NONE',
        timeout: '90s',
        'retry-budget': '1m',
        concurrency: '4',
        exclude: '*.txt',
        manifest: 'release/manifest.json',
        provenance: 'false',
      },
      { ...env, SOURCE_DATE_EPOCH: '1767225600' },
    );
    expect(options.signer.kind).toBe('key');
    expect(options.endpoints).toEqual({ rekorUrl: undefined, tsaUrl: undefined });
    expect(options.trust?.thresholds).toEqual({ tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    expect(options).toMatchObject({ timeoutMs: 90_000, retryBudgetMs: 60_000, concurrency: 4, exclude: ['*.txt'] });
    expect(options.manifest).toBe('/tmp/ws/release/manifest.json');
    expect(options.provenance).toBeUndefined();
    expect(options.sourceDate?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('takes the builder and invocation of a build outside GitHub from builder-id and invocation-id', async () => {
    const options = await sign({
      files: 'a',
      signing: 'key',
      'private-key': testKeyPair().privatePem,
      'rekor-url': 'none',
      'tsa-url': 'none',
      'builder-id': 'https://ci.example.org/builders/release',
      'invocation-id': 'https://ci.example.org/runs/42',
    });
    expect(options.provenance).toMatchObject({
      kind: 'local',
      builderId: 'https://ci.example.org/builders/release',
      invocationId: 'https://ci.example.org/runs/42',
    });
  });

  it('has no trust material for a private instance without trusted-root (bundles are then not re-checked)', async () => {
    const options = await sign({
      files: 'a',
      'fulcio-url': 'https://fulcio.internal',
      'identity-token': testIdentityToken({ sub: 'a', iss: 'b' }),
    });
    expect(options.trust).toBeUndefined();
  });

  it('rejects bad values, each naming its input', async () => {
    await fails({}, 'files');
    await fails({ files: 'a', mode: 'publish' }, 'mode');
    await fails({ files: 'a', signing: 'gpg' }, 'signing');
    await fails({ files: 'a', 'fulcio-url': 'fulcio.sigstore.dev' }, 'fulcio-url');
    await fails({ files: 'a', 'rekor-url': 'ftp://rekor' }, 'rekor-url');
    await fails({ files: 'a', 'rekor-url': 'none', 'tsa-url': 'none' }, 'rekor-url');
    await fails({ files: 'a', signing: 'key' }, 'private-key');
    await fails(
      { files: 'a', signing: 'key', 'private-key': testKeyPair().encryptedPem('pw'), 'private-key-password': 'bad' },
      'private-key',
    );
    await fails({ files: 'a', 'identity-token': 'not-a-jwt' }, 'identity-token');
    await fails({ files: 'a' }, 'signing', githubContext('/tmp/ws'));
    await fails({ files: 'a', timeout: 'soon' }, 'timeout');
    await fails({ files: 'a', timeout: '0' }, 'timeout');
    await fails({ files: 'a', timeout: '597h' }, 'timeout');
    await fails({ files: 'a', 'retry-budget': '1000h' }, 'retry-budget');
    await fails({ files: 'a', concurrency: '0' }, 'concurrency');
    await fails({ files: 'a', manifest: '../manifest.json' }, 'manifest');
    await fails({ files: 'a', force: 'yes' }, 'force');
    await fails({ files: 'a', 'builder-id': 'https://b' }, 'invocation-id');
    await fails({ files: 'a', 'invocation-id': 'run-1' }, 'builder-id');
    await fails({ files: 'a', 'builder-id': 'not a uri', 'invocation-id': 'run-1' }, 'builder-id');
    await fails({ files: 'a' }, 'provenance', {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://x',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
      GITHUB_WORKSPACE: '/tmp/ws',
    });
  });
});

describe('readInputs, verify mode', () => {
  it('builds an identity policy against the public-good root', async () => {
    const options = await verify({
      files: 'a',
      'certificate-identity-regexp': '^https://github\\.com/kubernetes/',
      'certificate-oidc-issuer': 'https://token.actions.githubusercontent.com',
    });
    expect(options.trust.policy).toEqual({
      subjectAlternativeName: /^https:\/\/github\.com\/kubernetes\//,
      extensions: { issuer: 'https://token.actions.githubusercontent.com' },
    });
    expect(options.trust.material.certificateAuthorities.length).toBeGreaterThan(0);
  });

  it('takes a public key as PEM text', async () => {
    const options = await verify({ files: 'a', 'public-key': testKeyPair().publicPem, 'rekor-url': 'none' });
    expect(options.trust.policy).toBeUndefined();
    expect(options.trust.thresholds.tlogThreshold).toBe(0);
  });

  it('rejects a verify without identity or key, and other bad values', async () => {
    await fails({ files: 'a', mode: 'verify' }, 'certificate-identity');
    await fails({ files: 'a', mode: 'verify', signing: 'key' }, 'public-key');
    await fails({ files: 'a', mode: 'verify', 'certificate-identity': 'x' }, 'certificate-oidc-issuer');
    await fails(
      { files: 'a', mode: 'verify', 'certificate-identity': 'x', 'certificate-identity-regexp': 'y' },
      'certificate-identity-regexp',
    );
    await fails(
      { files: 'a', mode: 'verify', 'certificate-identity-regexp': '(', 'certificate-oidc-issuer': 'i' },
      'certificate-identity-regexp',
    );
    await fails(
      { files: 'a', mode: 'verify', 'public-key': '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' },
      'public-key',
    );
    await fails({ files: 'a', mode: 'verify', 'public-key': 'missing.pem' }, 'public-key');
    // An RSA key cannot verify an ECDSA signature: said once, not as "verification failed" for every file.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    await expect(read({ files: 'a', mode: 'verify', 'public-key': rsa, 'rekor-url': 'none' })).rejects.toMatchObject({
      input: 'public-key',
      message: expect.stringContaining('RSA'),
    });
    await fails(
      {
        files: 'a',
        mode: 'verify',
        'certificate-identity': 'x',
        'certificate-oidc-issuer': 'i',
        'certificate-source-repository': 'kubernetes/kubernetes',
      },
      'certificate-source-repository',
    );
    await fails(
      {
        files: 'a',
        mode: 'verify',
        'certificate-identity': 'x',
        'certificate-oidc-issuer': 'i',
        'fulcio-url': 'https://fulcio.internal',
      },
      'trusted-root',
    );
    await fails(
      { files: 'a', mode: 'verify', 'certificate-identity': 'x', 'certificate-oidc-issuer': 'i', 'trusted-root': 'nope.json' },
      'trusted-root',
    );
  });
});
