/**
 * Keyless mode against a private Sigstore instance (@sigstore/mock: Fulcio with
 * a CT log, Rekor, a TSA; nock, no network): bundles carry the certificate, the
 * tlog entry and the timestamp, verify for the right identity and issuer, and
 * fail for a wrong one.
 */
import { createPublicKey } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { type MockSigstore, startMockSigstore, testIdentityToken, testKeyPair } from '../testing/sigstore.ts';
import {
  BUNDLE_V03_MEDIA_TYPE,
  DEFAULT_EXCLUDE,
  KeylessSigner,
  type SignArtifactsOptions,
  signArtifacts,
  staticToken,
  trustPolicy,
  verifyArtifacts,
} from './index.ts';
import { parseTrustedRoot } from './trust.ts';

const IDENTITY = 'https://github.com/kubernetes/release/.github/workflows/release.yml@refs/tags/v1.31.2';
const ISSUER = 'https://token.actions.githubusercontent.com';
const FILES = ['bin/linux/amd64/kubeadm', 'bin/linux/amd64/kubelet', 'kubernetes-client-linux-amd64.tar.gz'];
/** What the gate fails for a wrong signer: every file, then the provenance. */
const EVERY_SIGNED_FILE = [...FILES.map((f) => `out/${f}`).sort(), 'out/provenance.json'];

let mock: MockSigstore;
let workspace: string;

function signer(sub = IDENTITY): KeylessSigner {
  return new KeylessSigner({
    identity: staticToken(testIdentityToken({ sub, iss: ISSUER, repository: 'kubernetes/release' })),
    fulcioUrl: mock.fulcioUrl,
    timeoutMs: 10_000,
    retry: { baseDelayMs: 10, maxDelayMs: 50, budgetMs: 5_000 },
  });
}

function trust(overrides: { identity?: string | RegExp; issuer?: string; tlog?: boolean; sourceRepository?: string } = {}) {
  return trustPolicy({
    trustedRoot: parseTrustedRoot(mock.trustedRoot),
    tlog: overrides.tlog ?? true,
    identity: 'identity' in overrides ? overrides.identity : IDENTITY,
    issuer: overrides.issuer ?? ISSUER,
    sourceRepository: overrides.sourceRepository,
  });
}

function options(overrides: Partial<SignArtifactsOptions> = {}): SignArtifactsOptions {
  return {
    workspace,
    files: ['out/**'],
    exclude: DEFAULT_EXCLUDE,
    signer: signer(),
    endpoints: { rekorUrl: mock.rekorUrl, tsaUrl: mock.tsaUrl },
    trust: trust(),
    checksums: true,
    legacySignatures: true,
    provenance: {
      serverUrl: 'https://github.com',
      repository: 'kubernetes/release',
      sha: '89abcdef0123456789abcdef0123456789abcdef',
      ref: 'refs/tags/v1.31.2',
      workflowRef: 'kubernetes/release/.github/workflows/release.yml@refs/tags/v1.31.2',
      runId: '77',
      runAttempt: '2',
      eventName: 'push',
      workflowInputs: {},
      builderVersion: '0.1.0',
    },
    concurrency: 2,
    timeoutMs: 20_000,
    retryBudgetMs: 5_000,
    force: false,
    dryRun: false,
    manifest: undefined,
    sourceDate: undefined,
    ...overrides,
  };
}

beforeAll(async () => {
  nock.disableNetConnect();
  mock = await startMockSigstore();
  workspace = await mkdtemp(path.join(tmpdir(), 'sign-keyless-'));
  for (const [i, name] of FILES.entries()) {
    await mkdir(path.dirname(path.join(workspace, 'out', name)), { recursive: true });
    await writeFile(path.join(workspace, 'out', name), `binary ${i}\n`.repeat(5000));
  }
});
afterAll(async () => {
  mock.stop();
  nock.enableNetConnect();
  await rm(workspace, { recursive: true, force: true });
});

describe('sign-artifacts, keyless mode', () => {
  it('signs with one Fulcio certificate, a Rekor entry and a timestamp per file', async () => {
    const result = await signArtifacts(options(), new RecordingLogger());
    expect(result.files.every((f) => f.status === 'signed')).toBe(true);
    expect(result.verified).toBe(FILES.length);
    expect(mock.requests.fulcio).toBe(1);
    expect(mock.requests.rekor).toBe(FILES.length + 1);
    for (const name of FILES) {
      const file = path.join(workspace, 'out', name);
      const json = JSON.parse(await readFile(`${file}.sigstore.json`, 'utf8'));
      expect(json.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
      expect(json.verificationMaterial.certificate.rawBytes).toBeTruthy();
      expect(json.verificationMaterial.tlogEntries).toHaveLength(1);
      expect(json.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
      const pem = Buffer.from(await readFile(`${file}.cert`, 'utf8'), 'base64').toString('utf8');
      expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      expect(await readFile(`${file}.sig`, 'utf8')).toBe(json.messageSignature.signature);
      // Independently of our streaming verifier: @sigstore/verify over the whole file.
      const verifier = new Verifier(toTrustMaterial(parseTrustedRoot(mock.trustedRoot)));
      const signer = verifier.verify(toSignedEntity(bundleFromJSON(json), await readFile(file)), {
        subjectAlternativeName: IDENTITY,
        extensions: { issuer: ISSUER },
      });
      expect(signer.identity?.subjectAlternativeName).toBe(IDENTITY);
    }
    const provenance = JSON.parse(await readFile(path.join(workspace, 'out', 'provenance.sigstore.json'), 'utf8'));
    expect(provenance.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(provenance.verificationMaterial.tlogEntries[0].kindVersion.kind).toBe('dsse');
  });

  it('verifies for the right identity (exact or regexp) and fails for a wrong identity or issuer, listing every file', async () => {
    const ok = await verifyArtifacts({ workspace, files: ['out/**'], trust: trust() }, new RecordingLogger());
    expect(ok.files.map((f) => f.identity)).toEqual(FILES.map(() => IDENTITY));
    expect(ok.provenance).toEqual(['out/provenance.json']);
    const regexp = await verifyArtifacts(
      { workspace, files: ['out/**'], trust: trust({ identity: /^https:\/\/github\.com\/kubernetes\/release\// }) },
      new RecordingLogger(),
    );
    expect(regexp.verified).toBe(FILES.length);
    const repository = await verifyArtifacts(
      { workspace, files: ['out/**'], trust: trust({ sourceRepository: 'https://github.com/kubernetes/release' }) },
      new RecordingLogger(),
    );
    expect(repository.verified).toBe(FILES.length);
    for (const wrong of [
      // The same workflow identity run for another repository (a reusable workflow called from elsewhere).
      trust({ sourceRepository: 'https://github.com/evil/fork' }),
      trust({ sourceRepository: 'https://github.com/kubernetes/release-x' }),
      trust({ identity: 'https://github.com/evil/fork/.github/workflows/x.yml@refs/heads/main' }),
      trust({ issuer: 'https://accounts.google.com' }),
      // An exact identity is exact: not a part of the certificate's, and '.' is a dot.
      trust({ identity: IDENTITY.slice(0, -2) }),
      trust({ identity: IDENTITY.replace('@refs', '.refs') }),
    ]) {
      const error = await verifyArtifacts({ workspace, files: ['out/**'], trust: wrong }, new RecordingLogger()).catch((e) => e);
      expect(error.code).toBe('VERIFICATION_FAILED');
      expect(error.failures.map((f: { path: string }) => f.path)).toEqual(EVERY_SIGNED_FILE);
    }
  });

  it('a public key does not let a keyless bundle through, whoever Fulcio certified', async () => {
    const keyOnly = trustPolicy({
      publicKey: createPublicKey(testKeyPair().publicPem),
      trustedRoot: parseTrustedRoot(mock.trustedRoot),
      tlog: true,
    });
    const error = await verifyArtifacts({ workspace, files: ['out/**'], trust: keyOnly }, new RecordingLogger()).catch((e) => e);
    expect(error.code).toBe('VERIFICATION_FAILED');
    expect(error.failures.map((f: { path: string }) => f.path)).toEqual(EVERY_SIGNED_FILE);
  });

  it('a rerun re-signs nothing; the legacy .sig/.cert pair alone does not verify offline without a timestamp', async () => {
    const before = { ...mock.requests };
    // Another build time (as a rerun without SOURCE_DATE_EPOCH has, unless it lands in the same second): only the
    // provenance, whose times moved, is signed again.
    const again = await signArtifacts(
      options({ signer: signer(), sourceDate: new Date('2030-01-02T03:04:05Z') }),
      new RecordingLogger(),
    );
    expect(again.files.every((f) => f.status === 'unchanged')).toBe(true);
    expect(mock.requests.fulcio).toBe(before.fulcio + 1);
    expect(mock.requests.rekor).toBe(before.rekor + 1);
    expect(again.provenanceStatus).toBe('signed');

    const legacyOnly = path.join(workspace, 'out', FILES[0] as string);
    const bundle = await readFile(`${legacyOnly}.sigstore.json`);
    await rm(`${legacyOnly}.sigstore.json`);
    const error = await verifyArtifacts({ workspace, files: [`out/${FILES[0]}`], trust: trust() }, new RecordingLogger()).catch(
      (e) => e,
    );
    expect(error.failures[0].reason).toMatch(/TIMESTAMP_ERROR/);
    await writeFile(`${legacyOnly}.sigstore.json`, bundle);
  });

  it('without an identity to keep bundles by, a rerun keeps only those of the identity its certificates name', async () => {
    await mkdir(path.join(workspace, 'pinned'), { recursive: true });
    await writeFile(path.join(workspace, 'pinned', 'kubectl'), 'kubectl\n'.repeat(1000));
    const run = async (sub: string) => {
      const logger = new RecordingLogger();
      const result = await signArtifacts(
        options({ files: ['pinned/**'], signer: signer(sub), trust: trust({ identity: undefined }), provenance: undefined }),
        logger,
      );
      return { status: result.files[0]?.status, lines: logger.lines };
    };
    expect((await run('https://github.com/evil/fork/.github/workflows/x.yml@refs/heads/main')).status).toBe('signed');
    // An identity that merely contains ours is another identity.
    expect((await run(`${IDENTITY}-evil`)).status).toBe('signed');
    const ours = await run(IDENTITY);
    expect(ours.status).toBe('signed');
    expect(ours.lines).toContain(`Existing bundles are kept only if signed by ${IDENTITY} (issuer ${ISSUER})`);
    expect((await run(IDENTITY)).status).toBe('unchanged');
  });

  it('rides out Rekor and TSA outages within the retry budget', async () => {
    mock.failNext('rekor', 2, 503);
    mock.failNext('tsa', 1, 502);
    const result = await signArtifacts(options({ force: true, provenance: undefined }), new RecordingLogger());
    expect(result.files.every((f) => f.status === 'signed')).toBe(true);
  });

  it('a retry after Rekor logged the entry but its answer was lost meets 409 and uses the existing entry', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-conflict-'));
    await writeFile(path.join(ws, 'kubelet'), 'kubelet binary');
    // The same signature proposed twice (a retry after a lost answer) is one entry: Rekor answers 409.
    const keyless = signer();
    mock.loseNextResponses(1);
    const result = await signArtifacts(
      options({ workspace: ws, files: ['kubelet'], signer: keyless, provenance: undefined, checksums: false }),
      new RecordingLogger(),
    );
    expect(result.verified).toBe(1);
    expect(mock.conflicts).toBe(1);
    const ok = await verifyArtifacts({ workspace: ws, files: ['kubelet'], trust: trust() }, new RecordingLogger());
    expect(ok.verified).toBe(1);
    await rm(ws, { recursive: true, force: true });
  });

  it('signs without a transparency log (rekor-url: none) when a TSA witnesses the signature', async () => {
    const ws = await mkdtemp(path.join(tmpdir(), 'sign-notlog-'));
    await writeFile(path.join(ws, 'a.tar.gz'), 'payload');
    const rekorBefore = mock.requests.rekor;
    await signArtifacts(
      options({
        workspace: ws,
        files: ['*.tar.gz'],
        endpoints: { rekorUrl: undefined, tsaUrl: mock.tsaUrl },
        trust: trust({ tlog: false }),
      }),
      new RecordingLogger(),
    );
    expect(mock.requests.rekor).toBe(rekorBefore);
    const json = JSON.parse(await readFile(path.join(ws, 'a.tar.gz.sigstore.json'), 'utf8'));
    expect(json.verificationMaterial.tlogEntries ?? []).toEqual([]);
    const ok = await verifyArtifacts(
      { workspace: ws, files: ['*.tar.gz'], trust: trust({ tlog: false }) },
      new RecordingLogger(),
    );
    expect(ok.verified).toBe(1);
    await rm(ws, { recursive: true, force: true });
  });
});
